"""The password reset path (issue 13, item 1): the system administrator, or the operator with `fazhan passwd`,
gives a login a temporary password; the user must change it at the next login; the reset is in the trail,
ends the user's sessions and tokens, grants nothing, and no one resets their own."""

import io
import sys

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from fazhan.accounts.models import RoleAssignment, User
from fazhan.accounts.services import ERR_RESET_OWN, user_password_change, user_password_reset
from fazhan.api.models import ApiToken
from fazhan.api.services import apitoken_create
from fazhan.auditlog.models import AuditEvent
from tests.conftest import PASSWORD


def _roles(user) -> set[tuple[str, str, bool]]:
    return set(RoleAssignment.objects.filter(user=user).values_list("role", "org__code", "pending"))


def _sessions_of(user) -> int:
    return sum(1 for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk))


def test_the_sysadmin_resets_a_password_the_user_must_change_and_the_trail_says_so(world, client_for):
    target = world.users["sec1"]
    old_session = client_for("sec1")
    assert old_session.get("/people/").status_code == 200
    assert _sessions_of(target) == 1
    token, raw = apitoken_create(actor=target, user=target, name="脚本")
    roles_before = _roles(target)

    temporary = user_password_reset(actor=world.users["admin"], user=target)

    target.refresh_from_db()
    assert target.password_must_change
    assert target.check_password(temporary)
    assert not target.check_password(PASSWORD)
    event = AuditEvent.objects.filter(action="password.reset", target_id=str(target.pk)).get()
    assert event.actor == world.users["admin"]
    assert event.data["sessions_ended"] == 1
    assert event.data["tokens_revoked"] == 1
    assert temporary not in str(event.data)  # never the password in the trail
    # the old session is over, and so is the token
    assert _sessions_of(target) == 0
    assert old_session.get("/people/").status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert Client().get("/api/v1/persons", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    # the reset grants nothing and takes nothing
    assert _roles(target) == roles_before
    assert _roles(world.users["admin"]) == {("sysadmin", "SZQ", False)}

    # the temporary password opens only 修改密码
    client = Client()
    assert client.login(username="sec1", password=temporary)
    response = client.get("/people/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/password/")
    assert client.get("/api/tokens/")["Location"].startswith("/accounts/password/")
    page = client.get("/accounts/password/")
    assert "临时密码" in page.content.decode()
    # the temporary password itself is refused as the new one
    same = client.post(
        "/accounts/password/",
        {"old_password": temporary, "new_password1": temporary, "new_password2": temporary},
    )
    assert same.status_code == 200
    assert "不能与临时密码相同" in same.content.decode()
    done = client.post(
        "/accounts/password/",
        {
            "old_password": temporary,
            "new_password1": "Gaoqiao-2027-road",
            "new_password2": "Gaoqiao-2027-road",
        },
    )
    assert done.status_code == 302
    target.refresh_from_db()
    assert not target.password_must_change
    assert client.get("/people/").status_code == 200
    assert AuditEvent.objects.filter(action="password.change", target_id=str(target.pk)).exists()


def test_no_one_resets_their_own_password_and_only_the_sysadmin_resets_at_all(world):
    admin = world.users["admin"]
    with pytest.raises(ValidationError) as own:
        user_password_reset(actor=admin, user=admin)
    assert own.value.message_dict["user"] == [ERR_RESET_OWN]
    for username in ("secadmin", "auditor", "lh_organizer", "district"):
        with pytest.raises(PermissionDenied):
            user_password_reset(actor=world.users[username], user=world.users["sec1"])
    # nor the other two administrators' passwords: that is the operator's, at the machine
    for username in ("secadmin", "auditor"):
        with pytest.raises(PermissionDenied):
            user_password_reset(actor=admin, user=world.users[username])
    # a person never chooses another's password, even through the service
    with pytest.raises(PermissionDenied):
        user_password_reset(actor=admin, user=world.users["sec1"], password="Chosen-by-admin-2026")
    for user in User.objects.all():
        assert user.check_password(PASSWORD)
        assert not user.password_must_change
    assert not AuditEvent.objects.filter(action="password.reset").exists()


def test_a_closed_login_is_not_reset(world):
    from fazhan.accounts.services import user_update

    target = world.users["sec2"]
    user_update(actor=world.users["admin"], user=target, full_name="", is_active=False)
    with pytest.raises(ValidationError) as refused:
        user_password_reset(actor=world.users["admin"], user=target)
    assert "user" in refused.value.message_dict
    target.refresh_from_db()
    assert target.check_password(PASSWORD)


def test_fazhan_passwd_prints_a_temporary_password_once_and_forces_a_change(world):
    out = io.StringIO()
    call_command("passwd", "secadmin", stdout=out)
    temporary = out.getvalue().split("password: ")[1].strip()
    user = User.objects.get(username="secadmin")
    assert user.password_must_change
    assert user.check_password(temporary)
    event = AuditEvent.objects.get(action="password.reset")
    assert event.actor is None  # the operator at the machine
    assert temporary not in str(event.data)
    client = Client()
    assert client.login(username="secadmin", password=temporary)
    assert client.get("/admin/")["Location"].startswith("/accounts/password/")


def test_fazhan_passwd_reads_the_password_from_stdin_judged_by_the_policy(world, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("Typed-temporary-2026\n"))
    out = io.StringIO()
    call_command("passwd", "sec2", "--stdin", stdout=out)
    assert "Typed-temporary-2026" not in out.getvalue()
    user = User.objects.get(username="sec2")
    assert user.check_password("Typed-temporary-2026")
    assert user.password_must_change
    monkeypatch.setattr(sys, "stdin", io.StringIO("123\n"))
    with pytest.raises(CommandError, match="password"):
        call_command("passwd", "sec2", "--stdin", stdout=io.StringIO())
    user.refresh_from_db()
    assert user.check_password("Typed-temporary-2026")
    with pytest.raises(CommandError, match="username"):
        call_command("passwd", "nobody", stdout=io.StringIO())


def test_the_reset_action_in_the_admin_shows_the_temporary_password_once(world, client_for):
    target = world.users["org1"]
    client = client_for("admin")
    response = client.post(
        "/admin/accounts/user/",
        {"action": "reset_password", "_selected_action": [str(target.pk), str(world.users["admin"].pk)]},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert ERR_RESET_OWN in text  # its own is refused beside
    target.refresh_from_db()
    assert target.password_must_change
    temporary = text.split('class="temporary-password">')[1].split("<")[0]
    assert target.check_password(temporary)
    assert world.users["admin"].check_password(PASSWORD)
    # the security administrator sees logins but has no such action
    sec = client_for("secadmin").post(
        "/admin/accounts/user/", {"action": "reset_password", "_selected_action": [str(target.pk)]}
    )
    assert temporary
    assert target.check_password(temporary)
    assert sec.status_code in (200, 302, 403)
    assert AuditEvent.objects.filter(action="password.reset").count() == 1


def test_a_password_change_by_the_user_is_still_judged_by_the_policy(world):
    user = world.users["sec1"]
    user_password_reset(actor=world.users["admin"], user=user)
    with pytest.raises(ValidationError):
        user_password_change(actor=user, user=user, password="abc")
    user.refresh_from_db()
    assert user.password_must_change
