"""Who may see what: every scoped fetch asks these functions."""

from functools import reduce

from django.db.models import Q

from fazhan.accounts.models import CASE_ROLES, ID_NUMBER_ROLES, PHONE_ROLES, Role, RoleAssignment


def user_assignments(user) -> list[RoleAssignment]:
    """The user's role assignments, fetched once per request object."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_fazhan_assignments", None)
    if cached is None:
        cached = list(RoleAssignment.objects.filter(user=user).select_related("org").order_by("org__path"))
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
