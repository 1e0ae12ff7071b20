"""The role vocabulary and who holds which role where, at the bottom of the house.

Every app asks these questions (the admin site, the trail's readers, the org browser, the procedure's pages),
and the ground's low apps (core, auditlog, organizations) sit below accounts, which keeps the logins and their
RoleAssignment rows. So the words (Role and its sets) live here, and so do the answers, computed over the
assignments in force that accounts hands in once, at start-up (AccountsConfig.ready registers its query):
the low apps import no accounts, and accounts keeps its models, tables and the one query that reads them.
"""

from collections.abc import Callable, Sequence
from functools import reduce
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    BRANCH_SECRETARY = "branch_secretary", _("支部书记")
    BRANCH_ORGANIZER = "branch_organizer", _("支部组织委员")
    TOWNSHIP_ORGANIZER = "township_organizer", _("镇党委组织委员")
    TOWNSHIP_APPROVER = "township_approver", _("镇党委审批人")
    DISTRICT_REVIEWER = "district_reviewer", _("区委组织部审核人")
    INSPECTOR = "inspector", _("督查员")
    SYSADMIN = "sysadmin", _("系统管理员")
    SECADMIN = "secadmin", _("安全管理员")
    AUDITADMIN = "auditadmin", _("审计管理员")


# The three administrators of 等保 (GB/T 22239-2019 三员), each a separate login: the system administrator
# keeps accounts, orgs and backups; the security administrator grants roles; the audit administrator keeps
# and reads the trail. None of them holds a case role, and no login holds two of them.
ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECADMIN, Role.AUDITADMIN})
# Roles that read case content inside their subtree: every role but the administrators'.
CASE_ROLES = frozenset(r for r in Role.values if r not in ADMIN_ROLES)
# Roles whose work needs a person's full ID number (pre-review, form issue, approval: FORM-MATCH).
ID_NUMBER_ROLES = frozenset({Role.TOWNSHIP_ORGANIZER, Role.TOWNSHIP_APPROVER, Role.DISTRICT_REVIEWER})
# Roles that telephone the people they cultivate.
PHONE_ROLES = ID_NUMBER_ROLES | {Role.BRANCH_SECRETARY, Role.BRANCH_ORGANIZER}
# Roles that may create and edit persons.
EDIT_ROLES = frozenset({Role.BRANCH_SECRETARY, Role.BRANCH_ORGANIZER, Role.TOWNSHIP_ORGANIZER})


class HeldOrg(Protocol):
    @property
    def path(self) -> str: ...


class Assignment(Protocol):
    """What the answers read of a role assignment (accounts.models.RoleAssignment is one)."""

    @property
    def role(self) -> str: ...

    @property
    def org(self) -> HeldOrg: ...


AssignmentsOf = Callable[[object], Sequence[Assignment]]
_source: list[AssignmentsOf] = []


def assignments_source_register(source: AssignmentsOf) -> None:
    """accounts hands in its query of a user's assignments in force (once; a second call replaces it, so a
    reloaded AppConfig does not stack two)."""
    _source[:] = [source]


def user_assignments(user) -> Sequence[Assignment]:
    """The user's role assignments in force (pending grants and ended roles are not among them)."""
    if not _source:
        # Refuse rather than answer "no roles": a silent empty answer would look like a denial everywhere
        # and hide that accounts is not installed.
        raise ImproperlyConfigured("fazhan.accounts is not installed: nobody says who holds which role")
    return _source[0](user)


def user_roles(user) -> set[str]:
    return {a.role for a in user_assignments(user)}


def user_case_paths(user) -> list[str]:
    """Org paths whose subtrees hold case content this user may read (none for a pure administrator)."""
    paths = sorted({a.org.path for a in user_assignments(user) if a.role in CASE_ROLES})
    return [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]


def user_scope_q(user, path_field: str = "path") -> Q:
    """A filter that keeps rows whose org path lies in the user's subtrees; matches nothing without scope."""
    paths = user_case_paths(user)
    if not paths:
        return Q(pk__in=[])
    return reduce(lambda acc, p: acc | Q(**{f"{path_field}__startswith": p}), paths, Q())


def user_roles_at(user, org: HeldOrg) -> set[str]:
    """The roles the user holds on `org` or on any org above it."""
    return {a.role for a in user_assignments(user) if org.path.startswith(a.org.path)}


def user_role_orgs(user, role: str) -> list[HeldOrg]:
    """The orgs on which the user holds `role`, in path order."""
    return [a.org for a in user_assignments(user) if a.role == role]


def user_sees_id_number(user, org: HeldOrg) -> bool:
    return bool(user_roles_at(user, org) & ID_NUMBER_ROLES)


def user_sees_phone(user, org: HeldOrg) -> bool:
    return bool(user_roles_at(user, org) & PHONE_ROLES)


def user_is_sysadmin(user) -> bool:
    return Role.SYSADMIN in user_roles(user)


def user_is_secadmin(user) -> bool:
    return Role.SECADMIN in user_roles(user)


def user_is_auditadmin(user) -> bool:
    return Role.AUDITADMIN in user_roles(user)


def user_admin_roles(user) -> set[str]:
    """The administrator roles the user holds in force (at most one: accounts.services keeps them apart)."""
    return user_roles(user) & ADMIN_ROLES
