from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from fazhan.accounts.models import Role
from fazhan.api.models import ApiToken
from fazhan.api.services import apitoken_revoke
from fazhan.core.admin_site import RoleAdmin


@admin.register(ApiToken)
class ApiTokenAdmin(RoleAdmin, admin.ModelAdmin):
    """The administrator sees every token and revokes one through the service; a token is issued only where
    it can be shown once (the 接口令牌 page, `fazhan apitoken`), and none is ever deleted."""

    list_display = [
        "prefix",
        "user",
        "name",
        "read_only",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at"]
    search_fields = ["user__username", "name", "prefix"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "read_only",
        "second_factor",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    exclude = ["key_hash"]
    actions = ["revoke"]
    view_roles = frozenset({Role.SYSADMIN, Role.SECADMIN})

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request, queryset):
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            apitoken_revoke(actor=request.user, token=token)
            revoked += 1
        self.message_user(request, _("已吊销 %(n)s 个令牌。") % {"n": revoked}, messages.SUCCESS)
