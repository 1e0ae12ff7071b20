"""Who may see what: every scoped fetch asks these functions.

The one query of the assignments in force is here, beside the model; the answers computed from them live in
core/roles.py (so the apps below accounts can ask them too) and are named here as well for the apps above."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from fazhan.accounts.models import RoleAssignment
from fazhan.core.roles import user_admin_roles as user_admin_roles
from fazhan.core.roles import user_case_paths as user_case_paths
from fazhan.core.roles import user_is_auditadmin as user_is_auditadmin
from fazhan.core.roles import user_is_secadmin as user_is_secadmin
from fazhan.core.roles import user_is_sysadmin as user_is_sysadmin
from fazhan.core.roles import user_roles as user_roles
from fazhan.core.roles import user_roles_at as user_roles_at
from fazhan.core.roles import user_scope_q as user_scope_q
from fazhan.core.roles import user_sees_id_number as user_sees_id_number
from fazhan.core.roles import user_sees_phone as user_sees_phone


def assignments_in_force(today=None) -> QuerySet[RoleAssignment]:
    """Assignments that apply today: approved, and not past their end date."""
    today = today or timezone.localdate()
    return RoleAssignment.objects.filter(pending=False).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today)
    )


def user_assignments(user) -> list[RoleAssignment]:
    """The user's role assignments in force, fetched once per request object. A pending grant or one past
    its end date is not among them, so it opens no page and widens no scope. core.roles answers from this
    (AccountsConfig.ready registers it)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return []
    cached = getattr(user, "_fazhan_assignments", None)
    if cached is None:
        cached = list(assignments_in_force().filter(user=user).select_related("org").order_by("org__path"))
        user._fazhan_assignments = cached
    return cached


def role_grants_pending() -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(pending=True).select_related("user", "org", "granted_by")
