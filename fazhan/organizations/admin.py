from django.contrib import admin

from fazhan.organizations.models import Org


@admin.register(Org)
class OrgAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "category"]
    search_fields = ["code", "name"]
    readonly_fields = ["code", "parent", "kind"]

    def has_add_permission(self, request) -> bool:
        return False  # orgs are created through organizations.services (path, audit)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
