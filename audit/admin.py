from django.contrib import admin

from audit.models import AuditLog
from organizations.admin import OrganizationScopedAdmin, RecordAdminMixin


@admin.register(AuditLog)
class AuditLogAdmin(RecordAdminMixin, OrganizationScopedAdmin):
    """A record: nobody adds, edits or deletes entries here."""

    organization_field = "organization"

    list_display = ["created_at", "action", "target_type", "target_name", "actor_type", "actor"]
    list_filter = ["action", "actor_type", "target_type", "organization"]
    search_fields = ["target_name", "target_id", "reason"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"
