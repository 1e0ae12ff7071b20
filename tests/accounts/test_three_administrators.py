"""等保 三员: the system administrator cannot make itself anyone; roles are the security
administrator's, never to oneself, a district one only with a second person's approval, none past its
end date; the trail is the audit administrator's alone; every login, failed login, logout and token is
in the trail."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from fazhan.accounts.models import Role, RoleAssignment, User
from fazhan.accounts.selectors import user_case_paths
from fazhan.accounts.services import (
    ERR_ADMIN_AND_CASE,
    ERR_SELF_APPROVE,
    ERR_SELF_GRANT,
    role_approve,
    role_grant,
    user_create,
)
from fazhan.auditlog.models import AuditEvent
from fazhan.organizations.services import org_term_change
from tests.conftest import ID_1998_MALE, PASSWORD


def _roles(user) -> set[tuple[str, str]]:
    return set(RoleAssignment.objects.filter(user=user).values_list("role", "org__code"))


def test_the_admin_cannot_add_a_district_role_to_itself_through_the_user_inline(world, client_for):
    admin = world.users["admin"]
    client = client_for("admin")
    before = _roles(admin)
    response = client.post(
        f"/admin/accounts/user/{admin.pk}/change/",
        {
            "full_name": "系统管理员",
            "is_active": "on",
            "assignments-TOTAL_FORMS": "1",
            "assignments-INITIAL_FORMS": "0",
            "assignments-MIN_NUM_FORMS": "0",
            "assignments-MAX_NUM_FORMS": "1000",
            "assignments-0-role": Role.DISTRICT_REVIEWER,
            "assignments-0-org": str(world.district.pk),
            "assignments-0-user": str(admin.pk),
            "_save": "1",
        },
    )
    assert response.status_code in (200, 302)
    assert _roles(admin) == before == {(Role.SYSADMIN, "SZQ")}
    # the rename it did make went through the service and is in the trail
    assert AuditEvent.objects.filter(action="user.update", target_id=str(admin.pk)).exists()
    # and the person page still shows it nothing, least of all the clear ID number
    page = client.get("/people/P0001/")
    assert page.status_code == 404
    assert ID_1998_MALE not in page.content.decode()


def test_the_admin_cannot_grant_a_role_at_all(world, client_for):
    client = client_for("admin")
    assert client.get("/admin/accounts/roleassignment/add/").status_code == 403
    response = client.post(
        "/admin/accounts/roleassignment/add/",
        {"user": world.users["admin"].pk, "role": Role.DISTRICT_REVIEWER, "org": world.district.pk},
    )
    assert response.status_code == 403
    assert _roles(world.users["admin"]) == {(Role.SYSADMIN, "SZQ")}
    with pytest.raises(PermissionDenied):
        role_grant(
            actor=world.users["admin"], user=world.users["sec1"], role=Role.INSPECTOR, org=world.district
        )


def test_the_admin_cannot_reset_another_users_password(world, client_for):
    target = world.users["district"]
    client = client_for("admin")
    client.post(
        f"/admin/accounts/user/{target.pk}/password/",
        {"password1": "Brand-new-pass-2026", "password2": "Brand-new-pass-2026"},
        follow=True,
    )
    target.refresh_from_db()
    assert target.check_password(PASSWORD)
    assert not Client().login(username="district", password="Brand-new-pass-2026")


def test_a_login_the_admin_creates_holds_no_role_and_is_in_the_trail(world, client_for):
    response = client_for("admin").post(
        "/admin/accounts/user/add/",
        {
            "username": "new_district",
            "full_name": "新用户",
            "password1": "Long-pass-2026x",
            "password2": "Long-pass-2026x",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="new_district")
    assert _roles(user) == set()
    assert not user.is_superuser
    assert not user.is_staff
    assert AuditEvent.objects.filter(
        action="user.create", actor=world.users["admin"], target_id=str(user.pk)
    ).exists()


def test_a_bad_password_in_the_admin_is_a_field_error_and_creates_nothing(world, client_for):
    response = client_for("admin").post(
        "/admin/accounts/user/add/", {"username": "weak", "password1": "123", "password2": "123"}
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not User.objects.filter(username="weak").exists()


def test_no_one_grants_a_role_to_themselves(world):
    with pytest.raises(ValidationError) as exc:
        role_grant(
            actor=world.users["secadmin"],
            user=world.users["secadmin"],
            role=Role.INSPECTOR,
            org=world.township,
        )
    assert exc.value.message_dict["user"] == [ERR_SELF_GRANT]


def test_an_administrator_never_holds_a_case_role(world):
    with pytest.raises(ValidationError) as exc:
        role_grant(
            actor=world.users["secadmin"], user=world.users["admin"], role=Role.INSPECTOR, org=world.township
        )
    assert exc.value.message_dict["role"] == [ERR_ADMIN_AND_CASE]
    with pytest.raises(ValidationError):
        role_grant(actor=None, user=world.users["sec1"], role=Role.AUDITADMIN, org=world.district)


def test_a_district_grant_waits_for_a_second_security_administrator(world, client_for):
    grantee = user_create(actor=None, username="newcomer", password=PASSWORD, second_factor_exempt=True)
    response = client_for("secadmin").post(
        "/admin/accounts/roleassignment/add/",
        {"user": grantee.pk, "role": Role.DISTRICT_REVIEWER, "org": world.district.pk, "ends_on": ""},
    )
    assert response.status_code == 302
    grant = RoleAssignment.objects.get(user=grantee)
    assert grant.pending
    assert grant.granted_by == world.users["secadmin"]
    assert user_case_paths(User.objects.get(pk=grantee.pk)) == []
    assert client_for("newcomer").get("/people/P0001/").status_code == 404
    with pytest.raises(ValidationError) as exc:
        role_approve(actor=world.users["secadmin"], assignment=grant)
    assert exc.value.message_dict["approved_by"] == [ERR_SELF_APPROVE]
    # the second security administrator approves it through the admin's action
    client_for("secadmin2").post(
        "/admin/accounts/roleassignment/", {"action": "approve", "_selected_action": [grant.pk]}
    )
    grant.refresh_from_db()
    assert not grant.pending
    assert grant.approved_by == world.users["secadmin2"]
    assert client_for("newcomer").get("/people/P0001/").status_code == 200
    assert AuditEvent.objects.filter(action="role.approve", actor=world.users["secadmin2"]).exists()


def test_a_township_grant_applies_at_once(world):
    grant = role_grant(
        actor=world.users["secadmin"], user=world.users["sec2"], role=Role.INSPECTOR, org=world.township
    )
    assert not grant.pending
    assert world.township.path in user_case_paths(User.objects.get(pk=world.users["sec2"].pk))


def test_an_expired_assignment_grants_nothing(world, client_for):
    today = timezone.localdate()
    grantee = user_create(actor=None, username="temp", password=PASSWORD, second_factor_exempt=True)
    role_grant(
        actor=world.users["secadmin"],
        user=grantee,
        role=Role.TOWNSHIP_ORGANIZER,
        org=world.township,
        ends_on=today,
    )
    assert client_for("temp").get("/people/P0001/").status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, hours=1)):
        assert user_case_paths(User.objects.get(pk=grantee.pk)) == []
        assert client_for("temp").get("/people/P0001/").status_code == 404


def test_an_end_date_in_the_past_is_refused_naming_the_field(world):
    with pytest.raises(ValidationError) as exc:
        role_grant(
            actor=world.users["secadmin"],
            user=world.users["sec2"],
            role=Role.INSPECTOR,
            org=world.township,
            ends_on=timezone.localdate() - datetime.timedelta(days=1),
        )
    assert "ends_on" in exc.value.message_dict


def test_a_term_change_ends_the_officers_roles(world, client_for):
    assert client_for("sec1").get("/people/P0001/").status_code == 200
    ended = org_term_change(actor=world.users["secadmin"], org=world.branch1, on=timezone.localdate())
    assert ended == 2  # sec1 and org1
    assert client_for("sec1").get("/people/P0001/").status_code == 404
    world.branch1.refresh_from_db()
    assert timezone.localdate().isoformat() in world.branch1.election_dates
    assert AuditEvent.objects.filter(action="org.term_change", target_id=str(world.branch1.pk)).exists()


@pytest.mark.parametrize("username", ["admin", "secadmin"])
def test_the_audit_event_page_shows_nothing_to_the_other_administrators(world, client_for, username):
    event = AuditEvent.objects.filter(action="user.create").first()
    client = client_for(username)
    assert client.get(f"/admin/auditlog/auditevent/{event.pk}/change/").status_code == 403
    assert client.get("/admin/auditlog/auditevent/").status_code == 403
    trail = client.get("/trail/")
    assert trail.status_code in (403, 404) or 'data-action="' not in trail.content.decode()


def test_the_audit_administrator_reads_an_event_and_edits_none(world, client_for):
    event = AuditEvent.objects.filter(action="user.create").first()
    client = client_for("auditor")
    page = client.get(f"/admin/auditlog/auditevent/{event.pk}/change/")
    assert page.status_code == 200
    assert event.data["username"] in page.content.decode()
    client.post(f"/admin/auditlog/auditevent/{event.pk}/change/", {"action": "forged"})
    event.refresh_from_db()
    assert event.action == "user.create"
    assert client.post(f"/admin/auditlog/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403


def test_a_login_a_logout_and_a_failed_login_are_trail_events(world):
    client = Client()
    client.post("/accounts/login/", {"username": "sec1", "password": "wrong-one-9"})
    failed = AuditEvent.objects.filter(action="login.failed").latest("id")
    assert failed.data["username"] == "sec1"
    assert "wrong-one-9" not in str(failed.data)
    assert client.post("/accounts/login/", {"username": "sec1", "password": PASSWORD}).status_code == 302
    ok = AuditEvent.objects.filter(action="login.ok").latest("id")
    assert ok.actor == world.users["sec1"]
    assert PASSWORD not in str(ok.data)
    client.post("/accounts/logout/")
    assert AuditEvent.objects.filter(action="logout", actor=world.users["sec1"]).exists()
    client.post("/accounts/login/", {"username": "no-such-user", "password": "x"})
    assert AuditEvent.objects.filter(action="login.failed", data__username="no-such-user").exists()


def test_a_lockout_is_a_trail_event(world, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(3):
        Client().post("/accounts/login/", {"username": "sec2", "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    assert AuditEvent.objects.filter(action="login.locked_out", data__username="sec2").exists()


def test_creating_an_api_token_is_a_trail_event(world):
    from fazhan.api.services import apitoken_create

    token, _secret = apitoken_create(actor=world.users["sec1"], user=world.users["sec1"], name="t")
    assert AuditEvent.objects.filter(action="apitoken.create", target_id=str(token.pk)).exists()
