from typing import Any

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.db.models import Model
from django.http import HttpRequest

from audit import services
from audit.models import AuditLog
from organizations.admin import OrganizationScopedAdmin, RecordAdminMixin


class AuditedChangesMixin:
    """An admin whose additions and changes also go to the audit trail, with the person and
    the values the form changed (deletions are audited by the services that soft-delete)."""

    def log_addition(self, request: HttpRequest, obj: Model, message: Any) -> LogEntry:
        entry = super().log_addition(request, obj, message)  # type: ignore[misc]
        services.record_admin_change(log_entry=entry)
        return entry

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> LogEntry:
        entry = super().log_change(request, obj, message)  # type: ignore[misc]
        services.record_admin_change(log_entry=entry)
        return entry


@admin.register(AuditLog)
class AuditLogAdmin(RecordAdminMixin, OrganizationScopedAdmin):
    """A record: nobody adds, edits or deletes entries here."""

    organization_field = "organization"

    list_display = ["created_at", "action", "target_type", "target_name", "actor_type", "actor"]
    list_filter = ["action", "actor_type", "target_type", "organization"]
    search_fields = ["target_name", "target_id", "reason"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"
