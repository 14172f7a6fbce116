from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from audit.actions import ACTION_SENTENCES, action_sentence
from audit.models import AuditLog
from organizations.admin import OrganizationScopedAdmin, RecordAdminMixin


class ActionFilter(admin.SimpleListFilter):
    """The actions by their sentences, not their codes."""

    title = "what happened"
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return sorted(ACTION_SENTENCES.items(), key=lambda item: item[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditLog)
class AuditLogAdmin(RecordAdminMixin, OrganizationScopedAdmin):
    """A record: nobody adds, edits or deletes entries here."""

    organization_field = "organization"

    list_display = [
        "created_at",
        "what_happened",
        "target_type",
        "target_name",
        "actor_type",
        "actor",
    ]
    list_filter = [ActionFilter, "actor_type", "target_type", "organization"]
    search_fields = ["target_name", "target_id", "reason"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"
    readonly_fields = ["what_happened"]

    @admin.display(description="what happened", ordering="action")
    def what_happened(self, entry: AuditLog) -> str:
        return action_sentence(entry.action)

    def get_fields(self, request: HttpRequest, obj: AuditLog | None = None) -> list[str]:
        # The sentence first, where the code was: the code stays below it for who needs it.
        fields = [name for name in super().get_fields(request, obj) if name != "what_happened"]
        return ["what_happened", *fields]
