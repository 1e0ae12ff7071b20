from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
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
# Org kinds whose roles reach a whole district: a grant on one waits for a second security administrator.
DISTRICT_ORG_KINDS = frozenset({"district_committee"})
# Roles whose work needs a person's full ID number (pre-review, form issue, approval: FORM-MATCH).
ID_NUMBER_ROLES = frozenset({Role.TOWNSHIP_ORGANIZER, Role.TOWNSHIP_APPROVER, Role.DISTRICT_REVIEWER})
# Roles that telephone the people they cultivate.
PHONE_ROLES = ID_NUMBER_ROLES | {Role.BRANCH_SECRETARY, Role.BRANCH_ORGANIZER}
# Roles that may create and edit persons.
EDIT_ROLES = frozenset({Role.BRANCH_SECRETARY, Role.BRANCH_ORGANIZER, Role.TOWNSHIP_ORGANIZER})


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
