"""Login hardening: repeated failures lock a username at an address out (audited, said in Chinese), and
the roles named in FAZHAN_2FA_ROLES give a TOTP code after their password once they have enrolled."""

import datetime

import pytest
import time_machine
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from fazhan.accounts.models import ADMIN_ROLES, Role, User
from fazhan.accounts.services import role_assign, user_create
from fazhan.auditlog.models import AuditEvent
from fazhan.auditlog.selectors import trail_verify
from tests.conftest import PASSWORD


def _post_login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def _code(device: TOTPDevice, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():06d}"


def real_user(world, username: str, role: str, org) -> User:
    """A login as `fazhan adduser` makes one: not exempt from the second factor, unlike the world's."""
    user = user_create(actor=None, username=username, password=PASSWORD, is_admin=role in ADMIN_ROLES)
    role_assign(actor=None, user=user, role=role, org=org)
    return user


@pytest.fixture
def limit_three(settings):
    settings.AXES_FAILURE_LIMIT = 3


def test_the_login_through_the_page_still_works(world):
    client = Client()
    response = _post_login(client, "sec1", PASSWORD)
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_repeated_failures_lock_the_username_at_that_address_out(world, limit_three):
    client = Client()
    for _ in range(2):
        assert _post_login(client, "sec1", "wrong-password").status_code == 200
    locked = _post_login(client, "sec1", "wrong-password")
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    # Even the right password is refused now, from that address.
    refused = _post_login(client, "sec1", PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    # The same user from another address, and another user from this one, still log in.
    assert _post_login(Client(), "sec1", PASSWORD, ip="10.0.0.2").status_code == 302
    assert _post_login(Client(), "sec2", PASSWORD).status_code == 302


def test_the_lockout_is_in_the_trail_and_the_chain_holds(world, limit_three):
    client = Client()
    for _ in range(3):
        _post_login(client, "district", "wrong-password")
    event = AuditEvent.objects.filter(action="login.locked_out").latest("id")
    assert event.data == {"username": "district", "ip": "10.0.0.1"}
    assert event.target_id == str(world.users["district"].pk)
    assert trail_verify().ok


def test_the_audit_administrator_sees_the_lockout_in_the_trail(world, limit_three, client_for):
    for _ in range(3):
        _post_login(Client(), "nobody-here", "x")
    page = client_for("auditor").get("/trail/").content.decode()
    assert 'data-action="login.locked_out"' in page


def test_fewer_failures_than_the_limit_then_success_resets_the_count(world, limit_three):
    client = Client()
    for _ in range(2):
        _post_login(client, "sec1", "wrong-password")
    assert _post_login(client, "sec1", PASSWORD).status_code == 302
    client.logout()
    for _ in range(2):
        _post_login(client, "sec1", "wrong-password")
    assert _post_login(client, "sec1", PASSWORD).status_code == 302


def _enrol(client: Client) -> TOTPDevice:
    page = client.get("/accounts/2fa/enrol/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "otpauth://totp/" in body
    assert "<svg" in body
    device = TOTPDevice.objects.get(confirmed=False)
    assert device.config_url.split("secret=")[1].split("&")[0] in body  # the secret is shown
    response = client.post("/accounts/2fa/enrol/", {"token": _code(device)})
    assert response.status_code == 200
    assert 'id="otp-enrolled"' in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_enrolled_district_reviewer_needs_the_code_after_the_password(world):
    first = Client()
    _post_login(first, "district", PASSWORD)
    device = _enrol(first)
    assert AuditEvent.objects.filter(action="otp.enrol", target_id=str(world.users["district"].pk)).exists()

    client = Client()
    assert _post_login(client, "district", PASSWORD).status_code == 302
    response = client.get("/todo/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/?next=")
    # A password alone cannot enrol a new authenticator in place of the present one.
    assert client.get("/accounts/2fa/enrol/")["Location"] == "/accounts/2fa/"
    wrong = client.post("/accounts/2fa/", {"token": "000000" if _code(device) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert "验证码不正确" in wrong.content.decode()
    assert 'href="/people/"' not in wrong.content.decode()  # no menu of pages closed to them yet
    assert 'id="nav-jobs"' not in wrong.content.decode()
    assert client.get("/todo/").status_code == 302
    assert AuditEvent.objects.filter(action="otp.failed").exists()
    # django-otp throttles after a wrong code and takes no code twice: the next period's code, later.
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=31)):
        right = client.post("/accounts/2fa/", {"token": _code(device), "next": "/todo/"})
    assert right.status_code == 302
    assert right["Location"] == "/todo/"
    todo = client.get("/todo/")
    assert todo.status_code == 200
    assert 'href="/people/"' in todo.content.decode()
    assert 'id="nav-jobs"' in todo.content.decode()


def test_a_role_outside_the_list_is_not_asked_for_a_code(world, settings):
    settings.FAZHAN_2FA_ROLES = ["district_reviewer"]
    client = Client()
    _post_login(client, "lh_organizer", PASSWORD)
    assert client.get("/todo/").status_code == 200


def test_an_exempt_world_login_without_a_device_is_not_asked(world):
    client = Client()
    _post_login(client, "lh_approver", PASSWORD)
    assert client.get("/todo/").status_code == 200


def test_a_real_user_of_a_named_role_enrols_before_anything_else(world):
    real_user(world, "approver2", Role.TOWNSHIP_APPROVER, world.township)
    client = Client()
    _post_login(client, "approver2", PASSWORD)
    response = client.get("/todo/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/enrol/"
    assert "须启用两步验证" in client.get("/accounts/2fa/enrol/").content.decode()
    _enrol(client)
    assert client.get("/todo/").status_code == 200
    # A branch secretary is not among the roles: no authenticator asked of them.
    real_user(world, "sec9", Role.BRANCH_SECRETARY, world.branch1)
    other = Client()
    _post_login(other, "sec9", PASSWORD)
    assert other.get("/todo/").status_code == 200


@pytest.mark.parametrize("token", ["", "12345", "abcdef", "1234567", "12\x003456"])
def test_a_malformed_code_names_the_field(world, token):
    client = Client()
    _post_login(client, "district", PASSWORD)
    _enrol(client)
    again = Client()
    _post_login(again, "district", PASSWORD)
    response = again.post("/accounts/2fa/", {"token": token})
    assert response.status_code == 200
    assert response.context["form"].errors["token"]


def test_an_overlong_username_counts_as_a_failure_not_an_error(world, limit_three):
    client = Client()
    for _ in range(2):
        assert _post_login(client, "u" * 10_000, "p").status_code == 200
    assert _post_login(client, "u" * 10_000, "p").status_code == 429
    event = AuditEvent.objects.filter(action="login.locked_out").latest("id")
    assert event.data["username"] == "u" * 150
