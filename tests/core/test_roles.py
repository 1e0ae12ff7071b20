"""core.roles answers who holds which role where for the apps below accounts, from the query accounts
registers; organizations' 换届 ends the officers' roles through the hook accounts registers."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from fazhan.accounts.models import Role as AccountsRole
from fazhan.accounts.models import RoleAssignment
from fazhan.auditlog.models import AuditEvent
from fazhan.core import roles
from fazhan.core.roles import Role, user_admin_roles, user_case_paths, user_role_orgs, user_roles_at
from fazhan.organizations.services import org_term_change


def test_accounts_speaks_core_s_vocabulary():
    assert AccountsRole is Role
    assert RoleAssignment._meta.get_field("role").choices == Role.choices


def test_the_answers_come_from_the_assignments_in_force(world):
    sec1 = world.users["sec1"]
    assert user_case_paths(sec1) == [world.branch1.path]
    assert user_roles_at(sec1, world.branch1) == {Role.BRANCH_SECRETARY}
    assert user_roles_at(sec1, world.branch2) == set()
    assert user_admin_roles(world.users["auditor"]) == {Role.AUDITADMIN}
    assert [o.path for o in user_role_orgs(world.users["district"], Role.DISTRICT_REVIEWER)] == [
        world.district.path
    ]
    # An ended role answers nothing any more.
    assignment = RoleAssignment.objects.get(user=sec1, role=Role.BRANCH_SECRETARY)
    assignment.ends_on = timezone.localdate() - datetime.timedelta(days=1)
    assignment.save(update_fields=["ends_on"])
    fresh = type(sec1).objects.get(pk=sec1.pk)  # a new request's user: no cached assignments
    assert user_case_paths(fresh) == []


def test_without_accounts_nobody_answers_and_the_question_is_refused(monkeypatch):
    monkeypatch.setattr(roles, "_source", [])  # as if AccountsConfig.ready had not run
    with pytest.raises(Exception, match=r"fazhan\.accounts is not installed"):
        roles.user_roles(object())


def test_a_term_change_by_a_case_role_is_refused_and_changes_nothing(world):
    before = list(world.branch1.election_dates or [])
    with pytest.raises(PermissionDenied):
        org_term_change(actor=world.users["sec1"], org=world.branch1, on=timezone.localdate())
    world.branch1.refresh_from_db()
    assert list(world.branch1.election_dates or []) == before
    assert RoleAssignment.objects.filter(org=world.branch1, ends_on__isnull=False).count() == 0
    assert not AuditEvent.objects.filter(action="org.term_change").exists()
