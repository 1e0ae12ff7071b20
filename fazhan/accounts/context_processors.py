from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fazhan.accounts.models import ADMIN_ROLES, CASE_ROLES, Role
from fazhan.accounts.security import second_factor_due
from fazhan.accounts.selectors import user_assignments, user_roles


def navigation(request):
    """The menu follows the user's roles: case pages for case roles, administration for the administrator.
    A user who still owes the second factor sees no menu (every page but the code page is closed to them)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if second_factor_due(user):
        return {"nav_items": [], "nav_assignments": user_assignments(user), "second_factor_due": True}
    roles = user_roles(user)
    items = []
    if roles & CASE_ROLES:
        items += [
            (_("首页"), reverse("home")),
            (_("待办"), reverse("procedure:todo")),
            (_("组织"), reverse("organizations:tree")),
            (_("人员"), reverse("people:list")),
            (_("档案"), reverse("archive:register")),
            (_("公示"), reverse("notices:list")),
            (_("流动人员"), reverse("floating:index")),
            (_("培训"), reverse("training:sessions")),
            (_("检查"), reverse("inspection:index")),
            (_("批量打印"), reverse("paperwork:batch")),
        ]
    if roles & {Role.TOWNSHIP_ORGANIZER, Role.DISTRICT_REVIEWER}:
        items.append((_("数据交换"), reverse("interchange:home")))
    if roles & {Role.TOWNSHIP_ORGANIZER, Role.TOWNSHIP_APPROVER, Role.DISTRICT_REVIEWER, Role.INSPECTOR}:
        items.append((_("发展计划"), reverse("plans:index")))
        items.append((_("重点人才"), reverse("talents:index")))
        items.append((_("志愿书"), reverse("prereview:register")))
        items.append((_("预审"), reverse("prereview:batches")))
    if roles & {Role.TOWNSHIP_ORGANIZER, Role.TOWNSHIP_APPROVER, Role.DISTRICT_REVIEWER}:
        items.append((_("自查上报"), reverse("selfcheck:index")))
    elif roles & {Role.BRANCH_SECRETARY, Role.BRANCH_ORGANIZER}:
        items.append((_("储量计划"), reverse("plans:reserve_index")))  # a branch keeps no quota page
        items.append((_("重点人才"), reverse("talents:index")))  # its own key persons' contacts
    if roles & CASE_ROLES:
        items.append((_("网上申请"), reverse("applicants:list")))  # applicants who serve themselves
    if Role.DISTRICT_REVIEWER in roles:
        items.append((_("节假日安排"), reverse("holidays:calendar")))
        items.append((_("表格模板"), reverse("paperwork:templates")))
    if roles & ADMIN_ROLES:
        items.append((_("系统管理"), reverse("admin:index")))
    items.append((_("接口令牌"), reverse("apitoken_list")))
    if Role.SYSADMIN in roles:
        items.append((_("接口推送"), reverse("webhook_list")))
    if roles & {Role.INSPECTOR, Role.DISTRICT_REVIEWER, Role.AUDITADMIN}:
        items.append((_("审计记录"), reverse("auditlog:trail")))
    if roles & set(settings.FAZHAN_2FA_ROLES):
        items.append((_("两步验证"), reverse("accounts:otp_enrol")))
    return {"nav_items": items, "nav_assignments": user_assignments(user)}
