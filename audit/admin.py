from django.contrib import admin

from audit.models import AuditLog
from organizations.admin import OrganizationScopedAdmin


@admin.register(AuditLog)
class AuditLogAdmin(OrganizationScopedAdmin):
    """A record: nobody adds, edits or deletes entries here."""

    list_display = ["created_at", "action", "target_type", "target_name", "actor_type", "actor"]
    list_filter = ["action", "actor_type", "target_type", "organization"]
    search_fields = ["target_name", "target_id", "reason"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
