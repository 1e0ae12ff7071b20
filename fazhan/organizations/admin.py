from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhan.core.admin_site import RoleAdmin, form_errors_from
from fazhan.core.roles import Role
from fazhan.organizations.models import Org
from fazhan.organizations.services import org_term_change, org_update


class OrgChangeForm(forms.ModelForm):
    """The admin's change of an org, made by organizations.services.org_update (validated, in the trail)."""

    actor = None

    class Meta:
        model = Org
        fields = ["name", "category", "election_dates"]

    def clean(self):
        data: dict[str, Any] = super().clean() or {}
        if self.errors:
            return data
        try:
            org_update(
                actor=self.actor,
                org=Org.objects.get(pk=self.instance.pk),
                name=data["name"],
                category=data.get("category") or "",
                election_dates=data.get("election_dates") or [],
            )
        except ValidationError as exc:
            form_errors_from(self, exc)
        return data


@admin.register(Org)
class OrgAdmin(RoleAdmin, admin.ModelAdmin):
    """Orgs are resources of the system administrator; orgs are created through organizations.services."""

    view_roles = frozenset({Role.SECADMIN})
    change_roles = frozenset({Role.SYSADMIN})
    form = OrgChangeForm
    list_display = ["code", "name", "kind", "category"]
    search_fields = ["code", "name"]
    readonly_fields = ["code", "parent", "kind"]
    actions = ["term_change_today"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user  # type: ignore[attr-defined]
        return form

    def save_model(self, request, obj, form, change) -> None:
        """Saved already by org_update in the form's clean (the one writer of an org)."""

    def save_related(self, request, form, formsets, change) -> None:
        """An org has nothing related to write here."""

    @admin.action(description=_("登记换届（今天），终止该组织原有角色"))
    def term_change_today(self, request, queryset):
        try:
            ended = sum(
                org_term_change(actor=request.user, org=org, on=timezone.localdate()) for org in queryset
            )
        except PermissionDenied as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, _("已登记换届，终止角色 %(n)s 个。") % {"n": ended}, messages.SUCCESS)
