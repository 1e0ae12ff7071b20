from django.contrib import admin

from fazhan.accounts.models import Role
from fazhan.core.admin_site import RoleAdmin
from fazhan.reminders.models import ReminderSend


@admin.register(ReminderSend)
class ReminderSendAdmin(RoleAdmin, admin.ModelAdmin):
    """The day's sends, to the system administrator who runs the timer and the mail server: a failed one is
    found here with its error (the trail holds the same without the error's text). Nobody edits one."""

    view_roles = frozenset({Role.SYSADMIN})
    list_display = ["day", "user", "channel", "status", "items", "attempts", "at", "error"]
    list_filter = ["status", "channel", "day"]
    ordering = ["-day", "user__username", "channel", "pk"]
