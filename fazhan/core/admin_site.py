from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class FazhanAdminSite(AdminSite):
    """The Django admin is for system administrators only, and it registers no case content."""

    site_header = _("发展党员全程纪实管理系统 · 系统管理")
    site_title = _("系统管理")

    def has_permission(self, request) -> bool:
        from fazhan.accounts.selectors import user_is_sysadmin

        return bool(request.user.is_active and request.user.is_staff and user_is_sysadmin(request.user))


class FazhanAdminConfig(AdminConfig):
    default_site = "fazhan.core.admin_site.FazhanAdminSite"
