"""Schemathesis against the OpenAPI description, through WSGI into the real app and the real test database:
no input, valid or not, gives a server error, and every answer has the documented status and shape."""

from datetime import date

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fazhan.inspection.models import Finding
from fazhan.inspection.services import inspection_run

# Not negative_data_rejection: the API ignores unknown query parameters, as most do, and the token this test
# always sends would turn schemathesis's "Authorization missing" negation back into a valid request.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# The description needs no database, so it is loaded at collection. (schemathesis.pytest.from_fixture, the
# lazy loader, fails under pytest 9: it reads a private attribute pytest no longer has.)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())


@pytest.fixture
def wsgi_in_test_transaction(db):
    """A WSGI request ends by closing "old" connections; inside the test's transaction that would end it.
    Django's own test client disconnects the same two receivers for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def organizer_token(walked, token_for, wsgi_in_test_transaction):
    return token_for("lh_organizer")


@pytest.fixture
def inspected(walked):
    """A tracking run over the township, so the runs' and findings' paths meet real records too (made only
    for those operations: a run per operation would cost the suite its time)."""
    walked.run = inspection_run(actor=walked.users["lh_organizer"], org=walked.township, as_of=date.today())
    walked.finding = Finding.objects.filter(org__path__startswith=walked.township.path).order_by("id").first()
    return walked


def aim_half_at_real_records(case, w) -> None:
    """Random keys almost never name a record, so every other generated key is swapped for a real one: the
    walked case, one of its records, 张三, 高桥村. The other half still probes the 404s."""
    params = case.path_parameters
    path_info = case.meta.components.get(ParameterLocation.PATH) if case.meta else None
    if not params or (path_info and path_info.mode != GenerationMode.POSITIVE):
        return  # a key made invalid on purpose must stay invalid, for negative_data_rejection to judge
    real = {
        "case_id": w.case.pk,
        "record_id": w.records["S06"][-1].pk,
        "pid": w.p1.pid,
        "code": w.branch1.code,
        "year": 2020,
    }
    if hasattr(w, "run"):
        real["run_id"] = w.run.pk
        real["finding_id"] = w.finding.pk if w.finding else 1
    for name, value in real.items():
        if name in params and len(str(params[name])) % 2 == 0:
            params[name] = value


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_gives_a_server_error_and_every_answer_is_as_documented(
    case, walked, organizer_token, request
):
    if "/runs" in case.operation.path or "/findings" in case.operation.path:
        request.getfixturevalue("inspected")
    aim_half_at_real_records(case, walked)
    case.call_and_validate(headers={"Authorization": f"Bearer {organizer_token}"}, checks=CHECKS)
