"""`fazhan adduser` grants through the same services as the admin pages (issue 13, item 2): the security
administrator named by --by grants; a district role waits for a second one's approval; no one grants a role
to themselves; a case role needs --by at all; only the administrators' roles are the operator's alone."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fazhan.accounts.models import Role, RoleAssignment, User
from fazhan.accounts.selectors import user_case_paths, user_roles
from fazhan.accounts.services import role_approve
from fazhan.auditlog.models import AuditEvent


def _adduser(*args: str) -> str:
    out = io.StringIO()
    call_command("adduser", *args, stdout=out)
    return out.getvalue()


def test_a_district_role_by_adduser_waits_for_a_second_security_administrators_approval(world):
    said = _adduser("newrev", "--role", "district_reviewer", "--org", "SZQ", "--by", "secadmin")
    assert "待另一名安全管理员批准" in said
    user = User.objects.get(username="newrev")
    assignment = RoleAssignment.objects.get(user=user)
    assert assignment.pending
    assert assignment.granted_by == world.users["secadmin"]
    assert user_roles(user) == set()
    assert user_case_paths(user) == []
    event = AuditEvent.objects.get(action="role.grant", target_id=str(assignment.pk))
    assert event.actor == world.users["secadmin"]
    assert event.data["pending"] is True
    role_approve(actor=world.users["secadmin2"], assignment=assignment)
    user = User.objects.get(pk=user.pk)
    assert user_roles(user) == {Role.DISTRICT_REVIEWER}


def test_a_township_role_by_adduser_is_granted_by_the_named_security_administrator(world):
    _adduser("newlh", "--role", "township_organizer", "--org", "SZQ-LH", "--by", "secadmin")
    assignment = RoleAssignment.objects.get(user__username="newlh")
    assert not assignment.pending
    assert assignment.granted_by == world.users["secadmin"]
    assert AuditEvent.objects.filter(
        action="role.grant", actor=world.users["secadmin"], target_id=str(assignment.pk)
    ).exists()


def test_adduser_refuses_a_grant_to_oneself_and_writes_nothing(world):
    before = set(RoleAssignment.objects.values_list("pk", "role", "org__code", "pending"))
    with pytest.raises(CommandError, match="不能给自己授予角色"):
        _adduser("secadmin", "--role", "inspector", "--org", "SZQ-LH", "--by", "secadmin")
    assert set(RoleAssignment.objects.values_list("pk", "role", "org__code", "pending")) == before


def test_adduser_grants_only_through_a_security_administrator(world):
    # no --by for a case role
    with pytest.raises(CommandError, match="--by"):
        _adduser("nobody1", "--role", "branch_secretary", "--org", "SZQ-LH-01")
    # a --by who is not a security administrator: the system administrator grants nothing
    with pytest.raises(CommandError, match="--by"):
        _adduser("nobody2", "--role", "branch_secretary", "--org", "SZQ-LH-01", "--by", "admin")
    with pytest.raises(CommandError, match="--by"):
        _adduser("nobody3", "--role", "branch_secretary", "--org", "SZQ-LH-01", "--by", "ghost")
    # and the login made on the way is rolled back with the refused grant
    assert not User.objects.filter(username__startswith="nobody").exists()
    # the sysadmin holds no case role through the command either
    with pytest.raises(CommandError):
        _adduser("admin", "--role", "district_reviewer", "--org", "SZQ", "--by", "secadmin")
    assert set(RoleAssignment.objects.filter(user__username="admin").values_list("role", flat=True)) == {
        Role.SYSADMIN
    }


def test_the_operator_alone_sets_up_the_three_administrators(world):
    said = _adduser("audit2", "--role", "auditadmin", "--org", "SZQ")
    user = User.objects.get(username="audit2")
    assert user.is_staff
    assert user_roles(user) == {Role.AUDITADMIN}
    assert "password: " in said
    event = AuditEvent.objects.get(
        action="role.grant", target_type__endswith="roleassignment", data__user="audit2"
    )
    assert event.actor is None
