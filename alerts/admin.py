from django.contrib import admin

from alerts.models import Alert
from organizations.admin import OrganizationScopedAdmin


@admin.register(Alert)
class AlertAdmin(OrganizationScopedAdmin):
    list_display = ["kind", "severity", "status", "template", "created_at", "acknowledged_by"]
    list_filter = ["severity", "status", "kind", "organization"]
    search_fields = ["template__name", "title"]
    list_select_related = ["template", "acknowledged_by"]
