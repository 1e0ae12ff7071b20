"""Who may see what: every scoped fetch asks these functions."""

from functools import reduce

from django.db.models import Q, QuerySet
from django.utils import timezone

from fazhan.accounts.models import ADMIN_ROLES, CASE_ROLES, ID_NUMBER_ROLES, PHONE_ROLES, Role, RoleAssignment


def assignments_in_force(today=None) -> QuerySet[RoleAssignment]:
    """Assignments that apply today: approved, and not past their end date."""
    today = today or timezone.localdate()
    return RoleAssignment.objects.filter(pending=False).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today)
    )


def user_assignments(user) -> list[RoleAssignment]:
    """The user's role assignments in force, fetched once per request object. A pending grant or one past
    its end date is not among them, so it opens no page and widens no scope."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return []
    cached = getattr(user, "_fazhan_assignments", None)
    if cached is None:
        cached = list(assignments_in_force().filter(user=user).select_related("org").order_by("org__path"))
        user._fazhan_assignments = cached
    return cached


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


def user_roles_at(user, org) -> set[str]:
    """The roles the user holds on `org` or on any org above it."""
    return {a.role for a in user_assignments(user) if org.path.startswith(a.org.path)}


def user_sees_id_number(user, org) -> bool:
    return bool(user_roles_at(user, org) & ID_NUMBER_ROLES)


def user_sees_phone(user, org) -> bool:
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


def role_grants_pending() -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(pending=True).select_related("user", "org", "granted_by")
