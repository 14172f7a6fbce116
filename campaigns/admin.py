from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from campaigns import services
from campaigns.fallbacks import incompatibility
from campaigns.models import Campaign
from organizations.admin import OrganizationScopedAdmin, adopt_created, soft_deleted_objects
from pytake.exceptions import ApplicationError
from pytake.names import check_name
from templates_app.models import WhatsAppTemplate

# The admin's badge tones (admin-health.css), whose colours keep a readable contrast.
STATUS_TONES = {
    Campaign.Status.ACTIVE: "ok",
    Campaign.Status.PAUSED: "warn",
    Campaign.Status.CANCELLED: "bad",
}
ADMIN_PAUSE_REASON = "Paused in the admin."
ADMIN_CANCEL_REASON = "Cancelled in the admin."


# A new campaign starts in one of these; later its status changes only through the actions.
STARTING_STATUSES = [Campaign.Status.DRAFT, Campaign.Status.SCHEDULED, Campaign.Status.ACTIVE]


class CampaignAddForm(forms.ModelForm):
    status = forms.ChoiceField(
        choices=[(s, s.label) for s in STARTING_STATUSES], initial=Campaign.Status.DRAFT
    )

    class Meta:
        model = Campaign
        fields = ["name", "template", "status", "auto_resume"]

    def clean(self) -> dict:
        cleaned = super().clean()
        template, status = cleaned.get("template"), cleaned.get("status")
        if template is not None and status in Campaign.SENDING_STATUSES and template.is_blocked:
            # A first answer for the form; create_campaign checks again under the row lock.
            raise forms.ValidationError(
                f"Template {template} is {template.status}: the campaign cannot be {status}."
            )
        return cleaned


FALLBACK_FIELDS = ["fallback_1", "fallback_2", "fallback_3"]


class CampaignChangeForm(forms.ModelForm):
    """A campaign's name, whether it resumes or switches back by itself, and its fallbacks in
    the order they are tried, chosen among its business account's templates."""

    fallback_1 = forms.ModelChoiceField(queryset=WhatsAppTemplate.objects.none(), required=False)
    fallback_2 = forms.ModelChoiceField(queryset=WhatsAppTemplate.objects.none(), required=False)
    fallback_3 = forms.ModelChoiceField(queryset=WhatsAppTemplate.objects.none(), required=False)

    class Meta:
        model = Campaign
        fields = ["name", "auto_resume", "switch_back"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        campaign = self.instance
        own = campaign.original_template or campaign.template
        # Scoped to the campaign's own organization and business account.
        choices = WhatsAppTemplate.objects.filter(
            organization_id=campaign.organization_id,
            business_account_id=own.business_account_id,
            deleted_at__isnull=True,
        ).exclude(pk=own.pk)
        chosen = list(campaign.fallbacks.values_list("template_id", flat=True))
        for position, name in enumerate(FALLBACK_FIELDS):
            self.fields[name].queryset = choices
            self.fields[name].help_text = "Tried in this order when Meta blocks the template."
            if position < len(chosen):
                self.initial[name] = chosen[position]

    def clean(self) -> dict:
        cleaned = super().clean()
        own = self.instance.original_template or self.instance.template
        for name in FALLBACK_FIELDS:
            template = cleaned.get(name)
            problem = incompatibility(own, template) if template is not None else ""
            if problem:
                self.add_error(name, problem)
        return cleaned

    def fallbacks(self) -> list[WhatsAppTemplate]:
        return [self.cleaned_data[name] for name in FALLBACK_FIELDS if self.cleaned_data[name]]


@admin.register(Campaign)
class CampaignAdmin(OrganizationScopedAdmin):
    organization_field = "organization"
    add_form = CampaignAddForm
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
    # Its status changes only through the actions (the services), so the audit trail records
    # who and why; the template is chosen once.
    fields = [
        "name",
        "auto_resume",
        "switch_back",
        *FALLBACK_FIELDS,
        "organization",
        "template",
        "original_template",
        "switch_reason",
        "switched_at",
        "status",
        "pause_reason",
        "paused_at",
        "paused_by_template",
        "status_before_pause",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields[6:]
    actions = ["pause_selected", "resume_selected", "cancel_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Campaign]:
        return super().get_queryset(request).filter(deleted_at__isnull=True)

    def get_form(self, request: HttpRequest, obj: Campaign | None = None, **kwargs: Any) -> type:
        if obj is None:
            kwargs["form"] = self.add_form
            kwargs["fields"] = self.add_form.Meta.fields
        else:
            kwargs["form"] = CampaignChangeForm
            kwargs["fields"] = [*CampaignChangeForm.Meta.fields, *FALLBACK_FIELDS]
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Campaign | None = None) -> list[str]:
        return list(self.add_form.Meta.fields) if obj is None else self.fields

    def get_readonly_fields(self, request: HttpRequest, obj: Campaign | None = None) -> list[str]:
        return [] if obj is None else self.readonly_fields

    def clean_with_services(self, request: HttpRequest, form, obj: Campaign | None) -> None:
        check_name(form.cleaned_data["name"])

    def save_model(self, request: HttpRequest, obj: Campaign, form, change: bool) -> None:
        data = form.cleaned_data
        try:
            if change:
                services.update_campaign(
                    campaign=obj, name=data["name"], auto_resume=data["auto_resume"]
                )
                if {"switch_back", *FALLBACK_FIELDS} & set(form.changed_data):
                    services.set_fallbacks(
                        campaign=obj,
                        templates=form.fallbacks(),
                        switch_back=data["switch_back"],
                        actor=request.user,
                    )
            else:
                created = services.create_campaign(
                    template=data["template"],
                    name=data["name"],
                    status=data["status"],
                    auto_resume=data["auto_resume"],
                )
                adopt_created(obj, created)
        except ApplicationError as error:
            # Meta blocked the template after the form was checked: say so, save nothing.
            raise PermissionDenied(error.message) from error

    def delete_model(self, request: HttpRequest, obj: Campaign) -> None:
        services.delete_campaign(obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        for campaign in queryset:
            services.delete_campaign(campaign, actor=request.user)

    def get_deleted_objects(self, objs, request: HttpRequest) -> tuple:
        # A soft delete: the campaign stops sending and keeps its history.
        return soft_deleted_objects(self, objs, request)

    @admin.display(description="status", ordering="status")
    def status_badge(self, campaign: Campaign) -> str:
        return format_html(
            '<span class="health-badge health-badge--{}">{}</span>',
            STATUS_TONES.get(campaign.status, "neutral"),
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

    @admin.action(description="Cancel selected campaigns")
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        self._apply(
            request,
            queryset,
            "cancelled",
            lambda campaign: services.cancel_campaign(
                campaign, actor=request.user, reason=ADMIN_CANCEL_REASON
            ),
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
