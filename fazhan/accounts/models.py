from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The role vocabulary lives in core (core/roles.py) so that the apps below accounts can speak it; it is named
# here too, where the assignments that use it are.
from fazhan.core.roles import (
    ADMIN_ROLES as ADMIN_ROLES,
)
from fazhan.core.roles import (
    CASE_ROLES as CASE_ROLES,
)
from fazhan.core.roles import (
    EDIT_ROLES as EDIT_ROLES,
)
from fazhan.core.roles import (
    ID_NUMBER_ROLES as ID_NUMBER_ROLES,
)
from fazhan.core.roles import (
    PHONE_ROLES as PHONE_ROLES,
)
from fazhan.core.roles import (
    Role as Role,
)

# Org kinds whose roles reach a whole district: a grant on one waits for a second security administrator.
DISTRICT_ORG_KINDS = frozenset({"district_committee"})


class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=60, blank=True)
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("对应人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="users",
    )
    # When the password was last set through accounts.services: MLPS's periodic change counts from it.
    password_changed_at = models.DateTimeField(_("密码设置时间"), default=timezone.now, editable=False)
    # A demo login or a test-world user, made so by user_create(second_factor_exempt=True) and by nothing else
    # (no page, no admin field, no command): the roles of FAZHAN_2FA_ROLES then log in without enrolling.
    second_factor_exempt = models.BooleanField(_("免两步验证（演示账号）"), default=False, editable=False)
    # A temporary password set by the system administrator or the operator (user_password_reset): no page
    # opens but 修改密码 until the user has chosen their own (user_password_change clears it).
    password_must_change = models.BooleanField(_("须修改临时密码"), default=False, editable=False)

    def __str__(self) -> str:
        return self.full_name or self.username


class RoleAssignment(models.Model):
    """A user holds a role on an org and acts inside that org's subtree, from its approval to its end date.

    Written only by accounts.services (role_grant, role_approve, role_end, org_term_change): a grant of a
    district role is pending until a second security administrator approves it; after `ends_on` the role no
    longer applies anywhere (accounts.selectors.user_assignments reads only the ones in force)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    org = models.ForeignKey("organizations.Org", verbose_name=_("组织"), on_delete=models.PROTECT)
    ends_on = models.DateField(_("终止日期"), null=True, blank=True, editable=False)
    granted_by = models.ForeignKey(
        User,
        verbose_name=_("授予人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    approved_by = models.ForeignKey(
        User,
        verbose_name=_("批准人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    pending = models.BooleanField(_("待批准"), default=False, editable=False)

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [models.UniqueConstraint(fields=["user", "role", "org"], name="assignment_unique")]

    def __str__(self) -> str:
        return f"{self.user} {self.get_role_display()} @ {self.org}"
