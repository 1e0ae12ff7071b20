from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _

from fazhan.core.roles import user_admin_roles


class FazhanAdminSite(AdminSite):
    """The Django admin is for the three administrators only, and it registers no case content. Each page
    asks the roles (fazhan.core.roles), never Django's permissions: no login is a superuser."""

    site_header = _("发展党员全程纪实管理系统 · 系统管理")
    site_title = _("系统管理")
    # An administrator lands here (desk's home sends them): the index lists, above the admin's models, the
    # pages of the system their roles open (the menu's, accounts.context_processors.navigation), such as
    # 接口推送 for the system administrator, which live outside the admin.
    index_template = "admin/fazhan_index.html"

    def has_permission(self, request) -> bool:
        return bool(request.user.is_active and request.user.is_staff and user_admin_roles(request.user))


class FazhanAdminConfig(AdminConfig):
    default_site = "fazhan.core.admin_site.FazhanAdminSite"


class RoleAdmin:
    """A ModelAdmin mixin: who may see a model's pages (`view_roles`) and change one (`change_roles`), by the
    roles in force, not by Django's permissions. Nobody adds or deletes unless a subclass says so through a
    service."""

    view_roles: frozenset[str] = frozenset()
    change_roles: frozenset[str] = frozenset()

    def _holds(self, request, roles) -> bool:
        return bool(request.user.is_active and user_admin_roles(request.user) & roles)

    def has_module_permission(self, request) -> bool:
        return self._holds(request, self.view_roles | self.change_roles)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._holds(request, self.view_roles | self.change_roles)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._holds(request, self.change_roles)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def form_errors_from(form, exc) -> None:
    """A service's refusal (ValidationError by field) onto the admin form, so the page says what and where."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
