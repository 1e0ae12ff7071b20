"""API tests: tokens issued through the service for the world's users, and a client that sends them."""

import json

import pytest
from django.test import Client

from fazhan.api.services import apitoken_create
from tests.procedure import conftest as procedure_conftest


class ApiClient:
    """A Django test client that speaks JSON with one user's bearer token."""

    def __init__(self, token: str):
        self.token = token
        self.client = Client()

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, url: str, **params):
        return self.client.get(url, params, headers=self._headers())

    def post(self, url: str, body):
        data = body if isinstance(body, str) else json.dumps(body)
        return self.client.post(url, data, content_type="application/json", headers=self._headers())

    def patch(self, url: str, body):
        return self.client.patch(
            url, json.dumps(body), content_type="application/json", headers=self._headers()
        )


@pytest.fixture
def token_for(world):
    """token_for("lh_organizer") → a fresh API token of that world user."""

    def make(username: str) -> str:
        _record, raw = apitoken_create(actor=None, user=world.users[username])
        return raw

    return make


@pytest.fixture
def api_for(token_for):
    """api_for("sec1") → an ApiClient authenticated as that world user."""

    def make(username: str) -> ApiClient:
        return ApiClient(token_for(username))

    return make


# The procedure tests' world (eight full members, an organizer, a case opened for 张三), shared here.
pw = procedure_conftest.pw


@pytest.fixture
def walked(pw):
    """The procedure tests' world with 张三's case walked to the branch's decision on the target (S08)."""
    pw.records = procedure_conftest.walk(pw, "S08")
    return pw
