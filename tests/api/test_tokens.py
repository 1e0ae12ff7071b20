"""API tokens as 等保 level 3 asks (issue 13, item 4): they expire, a user of a role that gives a second
factor gets one only after giving it (the page in a verified session, the command with a code), and a
read-only token's writes are 403."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

import fazhan.settings as project_settings
from fazhan.accounts.models import Role
from fazhan.accounts.services import role_assign, user_create
from fazhan.api.api import MSG_READ_ONLY
from fazhan.api.models import ApiToken
from fazhan.api.services import ERR_SECOND_FACTOR, apitoken_create
from fazhan.auditlog.models import AuditEvent
from fazhan.people.models import Person
from tests.api.conftest import ApiClient
from tests.conftest import PASSWORD, make_id_number, person_data


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def _later(**delta) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(**delta)


@pytest.fixture
def reviewer(world):
    """A district reviewer as `fazhan adduser` makes one (not exempt), with a confirmed authenticator."""
    user = user_create(actor=None, username="reviewer2", password=PASSWORD)
    role_assign(actor=None, user=user, role=Role.DISTRICT_REVIEWER, org=world.district)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return user, device


# --- expiry -------------------------------------------------------------------------------------------------


def test_a_token_expires_after_ninety_days(world, token_for):
    assert project_settings.FAZHAN_API_TOKEN_DAYS == 90
    api = ApiClient(token_for("lh_organizer"))
    token = ApiToken.objects.get(user=world.users["lh_organizer"])
    assert token.expires_at.date() == (token.created_at + datetime.timedelta(days=90)).date()
    with time_machine.travel(_later(days=89)):
        assert api.get("/api/v1/me").status_code == 200
    with time_machine.travel(_later(days=90, minutes=1)):
        expired = api.get("/api/v1/me")
        assert expired.status_code == 401
        assert "已过期" in expired.json()["detail"]


def test_the_lifetime_is_a_setting(world, settings):
    settings.FAZHAN_API_TOKEN_DAYS = 7
    _token, raw = apitoken_create(actor=None, user=world.users["sec1"])
    with time_machine.travel(_later(days=8)):
        assert ApiClient(raw).get("/api/v1/me").status_code == 401


def test_the_token_page_and_the_command_show_the_expiry_and_the_scope(world, client_for, capsys, settings):
    settings.FAZHAN_PASSWORD_MAX_AGE_DAYS = 0  # the page 91 days on, not the change of password
    client = client_for("sec1")
    client.post("/api/tokens/", {"name": "只读脚本", "read_only": "on"})
    page = client.get("/api/tokens/").content.decode()
    token = ApiToken.objects.get(user=world.users["sec1"])
    assert token.read_only
    assert timezone.localtime(token.expires_at).date().isoformat() in page
    assert "只读" in page
    call_command("apitoken", "sec1", "--list")
    assert f"expires {timezone.localtime(token.expires_at):%Y-%m-%d}  read-only" in capsys.readouterr().out
    with time_machine.travel(_later(days=91)):
        assert "已过期" in client_for("sec1").get("/api/tokens/").content.decode()


# --- read-only ----------------------------------------------------------------------------------------------


def test_a_read_only_tokens_writes_are_403_and_write_nothing(world):
    _token, raw = apitoken_create(actor=None, user=world.users["sec1"], read_only=True)
    api = ApiClient(raw)
    assert api.get("/api/v1/persons").status_code == 200
    assert api.get("/api/v1/persons/P0001").status_code == 200
    body = {"name": "新人", "id_number": make_id_number(datetime.date(2001, 2, 3), 61), "org": "SZQ-LH-01"}
    body |= {"ethnicity": "汉族", "education": "大学专科", "occupation": "农牧渔民"}
    before = Person.objects.count()
    created = api.post("/api/v1/persons", body)
    assert created.status_code == 403
    assert created.json()["detail"] == MSG_READ_ONLY
    edited = api.patch("/api/v1/persons/P0001", {"name": "改名"})
    assert edited.status_code == 403
    assert api.post("/api/v1/cases/1/steps", {"step": "S02"}).status_code == 403
    assert Person.objects.count() == before
    assert Person.objects.get(pid="P0001").name == "张三"
    # The same user's read-write token writes, through the same doors.
    _token, rw = apitoken_create(actor=None, user=world.users["sec1"])
    assert ApiClient(rw).patch("/api/v1/persons/P0001", {"phone": "13800009999"}).status_code == 200


def test_the_command_issues_a_read_only_token(world, capsys):
    call_command("apitoken", "sec1", "--read-only")
    raw = capsys.readouterr().out.strip()
    assert ApiClient(raw).patch("/api/v1/persons/P0001", {"phone": "13800009999"}).status_code == 403
    assert AuditEvent.objects.get(action="apitoken.create").data["read_only"] is True


# --- only after the second factor ---------------------------------------------------------------------------


def test_a_2fa_role_gets_no_token_without_the_second_factor(reviewer):
    user, _device = reviewer
    with pytest.raises(ValidationError) as refused:
        apitoken_create(actor=user, user=user)
    assert refused.value.message_dict == {"otp_code": [ERR_SECOND_FACTOR]}
    with pytest.raises(CommandError, match="--code"):
        call_command("apitoken", "reviewer2")
    with pytest.raises(CommandError, match="--code"):
        call_command("apitoken", "reviewer2", "--code", "000000")
    assert not ApiToken.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(action="otp.failed", target_id=str(user.pk)).exists()  # the wrong code


def test_the_command_with_a_current_code_issues_a_token_that_authenticates(reviewer, capsys):
    user, device = reviewer
    call_command("apitoken", "reviewer2", "--code", _code(device))
    raw = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(user=user)
    assert token.second_factor
    assert ApiClient(raw).get("/api/v1/me").json()["username"] == "reviewer2"
    assert AuditEvent.objects.get(action="apitoken.create").data["second_factor"] is True


def test_the_token_page_issues_one_in_a_session_that_gave_the_code(reviewer):
    user, device = reviewer
    client = Client()
    client.post("/accounts/login/", {"username": "reviewer2", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7")
    assert client.get("/api/tokens/")["Location"].startswith("/accounts/2fa/?next=")
    client.post("/accounts/2fa/", {"token": _code(device)})
    page = client.post("/api/tokens/", {"name": "统计"})
    raw = page.context["created"]
    assert ApiToken.objects.get(user=user).second_factor
    assert ApiClient(raw).get("/api/v1/me").status_code == 200


def test_a_token_made_before_its_user_held_a_2fa_role_stops_authenticating(world):
    user = user_create(actor=None, username="clerk", password=PASSWORD)
    role_assign(actor=None, user=user, role=Role.TOWNSHIP_ORGANIZER, org=world.township)
    _token, raw = apitoken_create(actor=None, user=user)
    assert ApiClient(raw).get("/api/v1/me").status_code == 200
    role_assign(actor=None, user=user, role=Role.TOWNSHIP_APPROVER, org=world.township)
    assert ApiClient(raw).get("/api/v1/me").status_code == 401


def test_the_world_s_exempt_logins_get_tokens_as_before(world):
    _token, raw = apitoken_create(actor=None, user=world.users["district"])
    assert ApiClient(raw).get("/api/v1/me").status_code == 200
    assert person_data  # the world's persons are there to read
