from django.contrib import admin

from campaigns.models import Campaign
from organizations.admin import OrganizationScopedAdmin


@admin.register(Campaign)
class CampaignAdmin(OrganizationScopedAdmin):
    list_display = ["name", "status", "template", "auto_resume", "paused_at", "organization"]
    list_filter = ["status", "paused_by_template", "auto_resume", "organization"]
    search_fields = ["name", "template__name"]
    list_select_related = ["template", "organization"]
    readonly_fields = ["id", "created_at", "updated_at"]
