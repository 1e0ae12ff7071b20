from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from fazhan.accounts.models import RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 1
    autocomplete_fields = ["org"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "is_active", "last_login"]
    fieldsets = ((None, {"fields": ("username", "password", "full_name", "is_active", "is_staff")}),)
    add_fieldsets = ((None, {"fields": ("username", "full_name", "password1", "password2")}),)
    search_fields = ["username", "full_name"]
    inlines = [RoleAssignmentInline]
