"""The Django admin of accounts, as 三员 divides it: the system administrator creates and closes logins, the
security administrator grants, approves and ends roles. Every change is made by accounts.services (so it is
checked and in the trail); no one chooses another's password here (the system administrator issues a
generated temporary one, which its user must change at the next login), and no one edits a role in place."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fazhan.accounts.models import Role, RoleAssignment, User
from fazhan.accounts.services import (
    role_approve,
    role_end,
    role_grant,
    user_create,
    user_password_reset,
    user_update,
)
from fazhan.core.admin_site import RoleAdmin, form_errors_from

admin.site.unregister(Group)  # permissions by group are not how Fazhan decides: roles are


_ROLE_FIELDS = ("role", "org", "ends_on", "pending", "granted_by", "approved_by")


class RoleAssignmentInline(admin.TabularInline):
    """The user's roles, read-only: a role is granted on the 角色分配 pages by a security administrator."""

    model = RoleAssignment
    fk_name = "user"
    extra = 0
    fields = _ROLE_FIELDS
    readonly_fields = _ROLE_FIELDS
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class UserAddForm(UserCreationForm):
    actor = None

    class Meta:
        model = User
        fields = ["username", "full_name"]

    def clean(self):
        data: dict[str, Any] = super().clean() or {}
        if self.errors:
            return data
        try:
            self.created = user_create(
                actor=self.actor,
                username=data["username"],
                password=data["password1"],
                full_name=data.get("full_name") or "",
            )
        except ValidationError as exc:
            form_errors_from(self, exc)
        return data

    def validate_unique(self) -> None:
        """user_create checked the username (its full_clean); the login now exists, so no second check."""


class UserChangeForm(forms.ModelForm):
    actor = None

    class Meta:
        model = User
        fields = ["full_name", "is_active"]

    def clean(self):
        data: dict[str, Any] = super().clean() or {}
        if self.errors:
            return data
        try:
            user_update(
                actor=self.actor,
                user=User.objects.get(pk=self.instance.pk),
                full_name=data.get("full_name") or "",
                is_active=bool(data.get("is_active")),
            )
        except ValidationError as exc:
            form_errors_from(self, exc)
        return data


@admin.register(User)
class UserAdmin(RoleAdmin, admin.ModelAdmin):
    view_roles = frozenset({Role.SECADMIN})
    change_roles = frozenset({Role.SYSADMIN})
    list_display = ["username", "full_name", "is_active", "last_login"]
    list_filter = ["is_active"]
    search_fields = ["username", "full_name"]
    readonly_fields = ["username", "last_login", "date_joined"]
    inlines = [RoleAssignmentInline]
    actions = ["reset_password"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self._holds(request, self.change_roles):
            actions.pop("reset_password", None)
        return actions

    @admin.action(description=_("重置密码（发放临时密码）"))
    def reset_password(self, request, queryset):
        """A generated temporary password for each selected login, shown once on the page that answers
        (never in a message, which the session would keep); the user must change it at the next login."""
        issued, refused = [], []
        for user in queryset.order_by("username"):
            try:
                issued.append((user, user_password_reset(actor=request.user, user=user)))
            except (ValidationError, PermissionDenied) as exc:
                refused.append((user, " ".join(getattr(exc, "messages", None) or [str(exc)])))
        context = {
            **self.admin_site.each_context(request),
            "title": _("临时密码"),
            "issued": issued,
            "refused": refused,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/accounts/user/temporary_passwords.html", context)

    def has_add_permission(self, request) -> bool:
        return self._holds(request, self.change_roles)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["username", "full_name", "password1", "password2"]
        return ["username", "full_name", "is_active", "last_login", "date_joined"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = UserChangeForm if obj is not None else UserAddForm
        kwargs["fields"] = None if obj is None else ["full_name", "is_active"]
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user  # type: ignore[attr-defined]
        return form

    def save_form(self, request, form, change):
        return form.instance if change else form.created

    def save_model(self, request, obj, form, change) -> None:
        """Saved already by the service in the form's clean."""

    def save_related(self, request, form, formsets, change) -> None:
        """Nothing related is written here (the roles are read-only)."""


class RoleGrantForm(forms.ModelForm):
    actor = None
    ends_on = forms.DateField(label=_("终止日期"), required=False, help_text=_("留空为长期有效"))

    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "org"]

    def clean(self):
        data: dict[str, Any] = super().clean() or {}
        if self.errors:
            return data
        try:
            # the form then validates the saved grant itself, which its constraint allows
            self.instance = role_grant(
                actor=self.actor,
                user=data["user"],
                role=data["role"],
                org=data["org"],
                ends_on=data.get("ends_on"),
            )
        except ValidationError as exc:
            form_errors_from(self, exc)
        except PermissionDenied as exc:
            self.add_error(None, str(exc))
        return data


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(RoleAdmin, admin.ModelAdmin):
    view_roles = frozenset({Role.SYSADMIN, Role.SECADMIN})
    list_display = ["user", "role", "org", "ends_on", "pending", "granted_by", "approved_by"]
    list_filter = ["pending", "role"]
    search_fields = ["user__username", "user__full_name", "org__code", "org__name"]
    autocomplete_fields = ["user", "org"]
    readonly_fields = ["user", "role", "org", "ends_on", "pending", "granted_by", "approved_by"]
    actions = ["approve", "end_now"]

    def has_add_permission(self, request) -> bool:
        return self._holds(request, frozenset({Role.SECADMIN}))

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = RoleGrantForm
            kwargs["fields"] = ["user", "role", "org"]  # and the form's own ends_on
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user  # type: ignore[attr-defined]
        return form

    def save_form(self, request, form, change):
        return form.instance

    def save_model(self, request, obj, form, change) -> None:
        """Saved already by role_grant in the form's clean."""

    def save_related(self, request, form, formsets, change) -> None:
        """A grant has nothing related."""

    def _each(self, request, queryset, act, done: str | Promise) -> None:
        n = 0
        for assignment in queryset.select_related("user", "org"):
            try:
                act(actor=request.user, assignment=assignment)
                n += 1
            except (ValidationError, PermissionDenied) as exc:
                text = " ".join(getattr(exc, "messages", None) or [str(exc)])
                self.message_user(request, f"{assignment}：{text}", messages.ERROR)
        if n:
            self.message_user(request, str(done) % {"n": n}, messages.SUCCESS)

    @admin.action(description=_("批准所选授权"))
    def approve(self, request, queryset):
        self._each(request, queryset, role_approve, _("已批准 %(n)s 项授权。"))

    @admin.action(description=_("立即终止所选角色"))
    def end_now(self, request, queryset):
        self._each(request, queryset, role_end, _("已终止 %(n)s 个角色。"))
