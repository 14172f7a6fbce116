from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from campaigns import services
from campaigns.models import Campaign
from organizations.admin import OrganizationScopedAdmin
from pytake.exceptions import ApplicationError
from templates_app.models import WhatsAppTemplate

STATUS_COLOURS = {
    Campaign.Status.DRAFT: "#6c757d",
    Campaign.Status.SCHEDULED: "#0d6efd",
    Campaign.Status.ACTIVE: "#198754",
    Campaign.Status.PAUSED: "#fd7e14",
    Campaign.Status.COMPLETED: "#495057",
    Campaign.Status.CANCELLED: "#dc3545",
}
ADMIN_PAUSE_REASON = "Paused in the admin."


class CampaignAdminForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["organization", "name", "template", "status", "auto_resume", "deleted_at"]

    def clean(self) -> dict:
        cleaned = super().clean()
        template, status = cleaned.get("template"), cleaned.get("status")
        if template is not None and status in Campaign.SENDING_STATUSES:
            # Under the template's row lock, as every writer that makes a campaign send.
            template = WhatsAppTemplate.objects.select_for_update().get(pk=template.pk)
        if template is not None and status in Campaign.SENDING_STATUSES and template.is_blocked:
            raise forms.ValidationError(
                f"Template {template} is {template.status}: the campaign cannot be {status}."
            )
        return cleaned


@admin.register(Campaign)
class CampaignAdmin(OrganizationScopedAdmin):
    form = CampaignAdminForm
    list_display = [
        "name",
        "status_badge",
        "template",
        "pause_reason",
        "paused_by_template",
        "auto_resume",
        "paused_at",
        "organization",
    ]
    list_filter = [
        "status",
        "paused_by_template",
        "auto_resume",
        "template__status",
        "organization",
    ]
    search_fields = ["name", "template__name", "pause_reason"]
    list_select_related = ["template", "organization"]
    # Pausing and resuming go through the actions, so the audit trail records who and why.
    readonly_fields = [
        "id",
        "pause_reason",
        "paused_at",
        "paused_by_template",
        "status_before_pause",
        "created_at",
        "updated_at",
    ]
    actions = ["pause_selected", "resume_selected"]

    @admin.display(description="status", ordering="status")
    def status_badge(self, campaign: Campaign) -> str:
        return format_html(
            '<span style="background:{};color:#fff;padding:2px 8px;border-radius:10px;'
            'font-size:11px;font-weight:bold">{}</span>',
            STATUS_COLOURS.get(campaign.status, "#6c757d"),
            campaign.get_status_display(),
        )

    @admin.action(description="Pause selected campaigns")
    def pause_selected(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        self._apply(
            request,
            queryset,
            "paused",
            lambda campaign: services.pause_campaign(
                campaign, actor=request.user, reason=ADMIN_PAUSE_REASON
            ),
        )

    @admin.action(description="Resume selected campaigns")
    def resume_selected(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        self._apply(
            request,
            queryset,
            "resumed",
            lambda campaign: services.resume_campaign(campaign, actor=request.user),
        )

    def _apply(
        self,
        request: HttpRequest,
        queryset: QuerySet[Campaign],
        done: str,
        action: Callable[[Campaign], Campaign],
    ) -> None:
        succeeded, refused = 0, []
        for campaign in queryset:
            try:
                action(campaign)
            except ApplicationError as error:
                refused.append(error.message)
            else:
                succeeded += 1
        if succeeded:
            self.message_user(request, f"{succeeded} campaign(s) {done}.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.WARNING)

    def log_deletions(self, request: HttpRequest, queryset) -> list:
        # One log entry per campaign, each saved on its own, so the audit trail hears of it
        # (Django bulk-creates them for a multiple deletion, which sends no signal).
        entries = []
        for campaign in queryset:
            entries.extend(super().log_deletions(request, [campaign]))
        return entries
