from django.contrib import admin

from fazhan.auditlog.models import AuditEvent
from fazhan.core.admin_site import RoleAdmin
from fazhan.core.roles import Role


@admin.register(AuditEvent)
class AuditEventAdmin(RoleAdmin, admin.ModelAdmin):
    """The trail, to the audit administrator only (三员): the system and security administrators see no
    event, and nobody edits or deletes one."""

    view_roles = frozenset({Role.AUDITADMIN})
    list_display = ["at", "actor", "action", "target_type", "target_id"]
    list_filter = ["action"]
