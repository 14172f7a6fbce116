"""Template health where staff look: the template and delivery admins say what is wrong, why,
what it stopped and what to do.

They extend templates_app's admins (keeping their organization scoping and read-only rules) here,
where campaigns, alerts and the audit trail may be read: templates_app itself never imports them.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from alerts.services import lifecycle as alert_services
from audit.admin import AuditedChangesMixin
from audit.models import AuditLog
from audit.selectors import history_row, template_status_history
from campaigns import services as campaign_services
from campaigns.models import Campaign
from dashboard import selectors
from organizations.models import Organization
from organizations.permissions import can_administer
from pytake import json_depth
from pytake.exceptions import ApplicationError
from templates_app.admin import WebhookDeliveryAdmin, WhatsAppTemplateAdmin
from templates_app.attention import (
    ACTION_REQUIRED,
    Severity,
    failure_rate,
    needs_attention,
    severity_expression,
)
from templates_app.badges import Badge, current_reason, quality_badge, status_badge
from templates_app.models import WebhookDelivery, WhatsAppTemplate
from templates_app.selectors import LAST_CHANGE_AT, with_health_counts
from templates_app.services import deliveries, sync

HISTORY_PAGE_SIZE = 10
TEMPLATE_MAIN_FIELDS = (
    "organization",
    "business_account",
    "phone_number",
    "name",
    "language",
    "category",
    "status",
    "quality_score",
    "meta_template_id",
)
ADMIN_PAUSE_REASON = "Paused in the admin, from the template's page."


def badge_html(badge: Badge) -> str:
    return format_html(
        '<span class="health-badge health-badge--{}">{}</span>', badge.tone, badge.label
    )


def _history_line(entry: AuditLog) -> dict[str, Any]:
    """One status-history entry in words: "Approved → Paused", "Quality low (red)"."""
    row = history_row(entry)
    changed = []
    if row.new_status and row.previous_status != row.new_status:
        before = status_badge(row.previous_status).label if row.previous_status else "New"
        changed.append(f"{before} → {status_badge(row.new_status).label}")
    quality = (entry.changes or {}).get("quality_score")
    if isinstance(quality, list):
        changed.append(
            f"{quality_badge(quality[0]).label} → {quality_badge(quality[-1]).label.lower()}"
        )
    return {
        "when": row.timestamp,
        "what": "; ".join(changed) or "No change of status or quality",
        "why": row.reason or "",
    }


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Needs attention"), ("no", "All is well")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        condition = needs_attention(timezone.now())
        if self.value() == "yes":
            return queryset.filter(condition)
        if self.value() == "no":
            return queryset.exclude(condition)
        return queryset


admin.site.index_template = "admin/dashboard/index.html"
admin.site.unregister(WhatsAppTemplate)


@admin.register(WhatsAppTemplate)
class TemplateHealthAdmin(AuditedChangesMixin, WhatsAppTemplateAdmin):
    """The templates, most severe first, each with its reason and what it stopped."""

    list_display = [
        "template_name",
        "status_badge",
        "quality_badge",
        "reason",
        "failure_rate",
        "campaigns_affected",
        "open_alerts",
        "last_meta_event",
    ]
    list_display_links = ["template_name"]
    # The base narrows these for staff of one organization (and drops `organization`).
    list_filter = [
        NeedsAttentionFilter,
        "status",
        "quality_score",
        "category",
        "business_account",
        "organization",
    ]
    search_fields = ["name", "meta_template_id"]
    list_select_related = ["business_account"]
    change_form_template = "admin/dashboard/template_change_form.html"
    change_list_template = "admin/dashboard/template_change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[WhatsAppTemplate]:
        templates = super().get_queryset(request).filter(deleted_at__isnull=True)
        return with_health_counts(templates).annotate(
            severity=severity_expression(timezone.now()), last_change_at=LAST_CHANGE_AT
        )

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        # The monitoring API's order: most severe first, then the oldest change, then by name.
        # Expressions, not the annotations' names: the base admin orders before annotating.
        severity = severity_expression(timezone.now())
        return [severity.asc(nulls_last=True), LAST_CHANGE_AT.asc(), "name", "language"]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        # The first visit shows what needs attention, when something does; the filter can then
        # be cleared and stays so for the session.
        seen = "template_health_list_seen"
        if request.method == "GET" and not request.session.get(seen):
            request.session[seen] = True
            attention = needs_attention(timezone.now())
            if not request.GET and self.get_queryset(request).filter(attention).exists():
                return HttpResponseRedirect(f"{request.path}?attention=yes")
        return super().changelist_view(request, extra_context)

    @admin.display(description="template", ordering="name")
    def template_name(self, template: WhatsAppTemplate) -> str:
        return format_html("{} <small>({})</small>", template.name, template.language)

    @admin.display(description="status", ordering="status")
    def status_badge(self, template: WhatsAppTemplate) -> str:
        return badge_html(status_badge(template.status))

    @admin.display(description="quality", ordering="quality_score")
    def quality_badge(self, template: WhatsAppTemplate) -> str:
        return badge_html(quality_badge(template.quality_score))

    @admin.display(description="why")
    def reason(self, template: WhatsAppTemplate) -> str:
        return current_reason(template) or "All is well"

    @admin.display(description="failure rate")
    def failure_rate(self, template: WhatsAppTemplate) -> str:
        if not template.sent_count:
            return "Nothing sent"
        rate = failure_rate(sent=template.sent_count, failed=template.failed_count)
        return f"{rate:.1%} of {template.sent_count:,}"

    @admin.display(description="campaigns affected", ordering="campaigns_affected")
    def campaigns_affected(self, template: WhatsAppTemplate) -> str:
        url = (
            reverse("admin:campaigns_campaign_changelist")
            + "?"
            + urlencode({"template__id__exact": template.pk})
        )
        return format_html('<a href="{}">{}</a>', url, template.campaigns_affected)

    @admin.display(description="open alerts", ordering="open_alerts")
    def open_alerts(self, template: WhatsAppTemplate) -> str:
        url = (
            reverse("admin:alerts_alert_changelist")
            + "?"
            + urlencode({"template__id__exact": template.pk, "status__in": "OPEN,ACKNOWLEDGED"})
        )
        return format_html('<a href="{}">{}</a>', url, template.open_alerts)

    @admin.display(description="last Meta event", ordering="last_change_at")
    def last_meta_event(self, template: WhatsAppTemplate) -> str:
        return template.last_event_at or "None yet"

    # --- the template's page ------------------------------------------------------------------

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("health/", view(self.health_view), name="template-health"),
            path(
                "<path:object_id>/alerts/<uuid:alert_id>/acknowledge/",
                view(self.acknowledge_alert_view),
                name="templates_app_whatsapptemplate_acknowledge_alert",
            ),
            path(
                "<path:object_id>/sync/",
                view(self.sync_view),
                name="templates_app_whatsapptemplate_sync",
            ),
            path(
                "<path:object_id>/campaigns/<str:action>/",
                view(self.campaigns_action_view),
                name="templates_app_whatsapptemplate_campaigns",
            ),
            *super().get_urls(),
        ]

    def get_fieldsets(self, request: HttpRequest, obj: WhatsAppTemplate | None = None) -> list:
        # What a person edits first; Meta's many timestamps and details folded away below it.
        fields = list(self.get_fields(request, obj))
        main = [name for name in TEMPLATE_MAIN_FIELDS if name in fields]
        details = [name for name in fields if name not in main]
        fieldsets: list = [(None, {"fields": main})]
        if details:
            fieldsets.append(
                ("What Meta told us, in detail", {"fields": details, "classes": ["collapse"]})
            )
        return fieldsets

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        template = self.get_object(request, object_id)
        if template is not None:
            extra_context = {**(extra_context or {}), **self._health_context(request, template)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _health_context(self, request: HttpRequest, template: WhatsAppTemplate) -> dict[str, Any]:
        history = Paginator(template_status_history(template=template), HISTORY_PAGE_SIZE)
        history_page = history.get_page(request.GET.get("history"))
        severity = template.severity
        return {
            "health": {
                "status": badge_html(status_badge(template.status)),
                "quality": badge_html(quality_badge(template.quality_score)),
                "reason": current_reason(template) or "All is well",
                "action": ACTION_REQUIRED[Severity(severity)] if severity else "",
                "recommendation": template.rejection_recommendation,
                "failure_rate": self.failure_rate(template),
            },
            "history_page": history_page,
            "history": [_history_line(entry) for entry in history_page],
            "campaigns": selectors.template_campaigns(template=template),
            "alerts": selectors.template_open_alerts(template=template),
            "can_act": can_administer(request.user, template.organization_id),
        }

    def sync_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Ask Meta for the template's business account's templates, through the sync service."""
        template = self.get_object(request, object_id)
        if template is None:
            return HttpResponseRedirect(reverse("admin:templates_app_whatsapptemplate_changelist"))
        page = reverse("admin:templates_app_whatsapptemplate_change", args=[template.pk])
        if request.method != "POST":
            return HttpResponseRedirect(page)
        if not can_administer(request.user, template.organization_id):
            messages.error(request, "Only an organization admin may sync with Meta.")
            return HttpResponseRedirect(page)
        try:
            run = sync.request_sync(account=template.business_account)
        except ApplicationError as error:
            messages.warning(request, error.message)
        else:
            messages.success(
                request,
                f"Sync {run.pk} of {template.business_account} asked of Meta: "
                "this page shows what it changes once it has run.",
            )
        return HttpResponseRedirect(page)

    def acknowledge_alert_view(self, request: HttpRequest, object_id: str, alert_id: UUID):
        """Acknowledge one of the template's open alerts through the alerts service."""
        template = self.get_object(request, object_id)
        if template is None:
            return HttpResponseRedirect(reverse("admin:templates_app_whatsapptemplate_changelist"))
        page = reverse("admin:templates_app_whatsapptemplate_change", args=[template.pk])
        if request.method != "POST":
            return HttpResponseRedirect(page)
        alert = get_object_or_404(selectors.template_open_alerts(template=template), pk=alert_id)
        if not can_administer(request.user, template.organization_id):
            messages.error(request, "Only an organization admin may acknowledge its alerts.")
            return HttpResponseRedirect(page)
        try:
            alert_services.acknowledge_alert(alert=alert, actor=request.user)
        except ApplicationError as error:
            messages.warning(request, error.message)
        else:
            messages.success(request, f"Acknowledged: {alert.title or alert.kind}")
        return HttpResponseRedirect(f"{page}#template-alerts")

    def campaigns_action_view(self, request: HttpRequest, object_id: str, action: str):
        """Pause the template's sending campaigns, or resume its paused ones, via the services."""
        template = self.get_object(request, object_id)
        if template is None or request.method != "POST" or action not in ("pause", "resume"):
            return HttpResponseRedirect(reverse("admin:templates_app_whatsapptemplate_changelist"))
        if not self.has_change_permission(request, template):
            messages.error(request, "You may not change this template's campaigns.")
            return HttpResponseRedirect(request.path.rsplit("campaigns/", 1)[0] + "change/")
        campaigns = selectors.template_campaigns(template=template)
        done, refused = 0, []
        for campaign in campaigns:
            try:
                if action == "pause" and campaign.status in Campaign.SENDING_STATUSES:
                    campaign_services.pause_campaign(
                        campaign, actor=request.user, reason=ADMIN_PAUSE_REASON
                    )
                    done += 1
                elif action == "resume" and campaign.status == Campaign.Status.PAUSED:
                    campaign_services.resume_campaign(campaign, actor=request.user)
                    done += 1
            except ApplicationError as error:
                refused.append(error.message)
        verb = "paused" if action == "pause" else "resumed"
        messages.success(request, f"{done} campaign(s) {verb}.")
        for message in dict.fromkeys(refused):
            messages.warning(request, message)
        return HttpResponseRedirect(
            reverse("admin:templates_app_whatsapptemplate_change", args=[template.pk])
        )

    # --- the organization's health page -------------------------------------------------------

    def health_view(self, request: HttpRequest) -> HttpResponse:
        organization = self._health_organization(request)
        context = {
            **self.admin_site.each_context(request),
            "title": "Template health",
            "organization": organization,
            "organizations": Organization.objects.order_by("name")
            if request.user.is_superuser
            else [],
        }
        if organization is not None:
            critical = (
                self.get_queryset(request)
                .filter(organization=organization)
                .filter(needs_attention(timezone.now()))
                .order_by(*self.get_ordering(request))
            )
            context.update(
                {
                    "counts": selectors.organization_health(organization=organization),
                    "critical": [
                        {
                            "template": template,
                            "status": badge_html(status_badge(template.status)),
                            "quality": badge_html(quality_badge(template.quality_score)),
                            "reason": current_reason(template),
                            "action": ACTION_REQUIRED[Severity(template.severity)],
                        }
                        for template in critical[:20]
                    ],
                    "latest_alerts": selectors.latest_alerts(organization=organization),
                    "failed_deliveries": selectors.latest_failed_deliveries(
                        organization=organization
                    ),
                    "failed_notifications": selectors.latest_failed_notifications(
                        organization=organization
                    ),
                }
            )
        return TemplateResponse(request, "admin/dashboard/template_health.html", context)

    def _health_organization(self, request: HttpRequest) -> Organization | None:
        if request.user.is_superuser and request.GET.get("organization"):
            return get_object_or_404(Organization, pk=request.GET["organization"])
        return request.user.organization


admin.site.unregister(WebhookDelivery)


@admin.register(WebhookDelivery)
class DeliveryHealthAdmin(WebhookDeliveryAdmin):
    """Deliveries with the templates they were about, each attempt, and a Reprocess button."""

    list_display = ["id", "received_at", "status", "templates", "outcome", "attempts"]
    change_form_template = "admin/dashboard/delivery_change_form.html"
    fields = [
        "status",
        "received_at",
        "processed_at",
        "attempts",
        "templates_touched",
        "campaigns_paused",
        "change_outcomes",
        "attempt_history",
        "pretty_body",
        "headers",
        "body_sha256",
        "error",
    ]
    readonly_fields = fields

    def get_urls(self) -> list:
        return [
            path(
                "<path:object_id>/reprocess/",
                self.admin_site.admin_view(self.reprocess_view),
                name="templates_app_webhookdelivery_reprocess",
            ),
            *super().get_urls(),
        ]

    def _template_ids(self, delivery: WebhookDelivery) -> list[str]:
        return list(
            dict.fromkeys(o["template_id"] for o in delivery.outcomes or [] if o.get("template_id"))
        )

    def _templates(self, delivery: WebhookDelivery) -> list[WhatsAppTemplate]:
        return list(WhatsAppTemplate.objects.filter(pk__in=self._template_ids(delivery)))

    @admin.display(description="templates")
    def templates(self, delivery: WebhookDelivery) -> str:
        return ", ".join(str(template) for template in self._templates(delivery)) or "None"

    @admin.display(description="outcome")
    def outcome(self, delivery: WebhookDelivery) -> str:
        results = [o["result"] for o in delivery.outcomes or []]
        if not results:
            return delivery.get_status_display()
        counts = {result: results.count(result) for result in dict.fromkeys(results)}
        return ", ".join(f"{count} {result}" for result, count in counts.items())

    @admin.display(description="templates it touched")
    def templates_touched(self, delivery: WebhookDelivery) -> str:
        return (
            format_html_join(
                ", ",
                '<a href="{}">{}</a>',
                (
                    (reverse("admin:templates_app_whatsapptemplate_change", args=[t.pk]), str(t))
                    for t in self._templates(delivery)
                ),
            )
            or "None"
        )

    @admin.display(description="campaigns it paused")
    def campaigns_paused(self, delivery: WebhookDelivery) -> str:
        entries = selectors.delivery_audit_entries(delivery_id=delivery.pk).filter(
            action="campaign.paused"
        )
        return (
            format_html_join(
                ", ",
                '<a href="{}">{}</a>',
                (
                    (reverse("admin:campaigns_campaign_change", args=[e.target_id]), e.target_name)
                    for e in entries
                ),
            )
            or "None"
        )

    @admin.display(description="body")
    def pretty_body(self, delivery: WebhookDelivery) -> str:
        # Any stored body is shown: one nested too deep to indent safely, as it came.
        try:
            parsed = json_depth.loads(delivery.body_text)
            text = json.dumps(parsed, indent=2, ensure_ascii=False)
        except ValueError:
            text = delivery.body_text
        return format_html('<pre class="delivery-body">{}</pre>', text)

    def reprocess_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        delivery = self.get_object(request, object_id)
        if delivery is None or not self.has_view_permission(request, delivery):
            return HttpResponseRedirect(reverse("admin:templates_app_webhookdelivery_changelist"))
        if request.method == "POST":
            result = deliveries.process_delivery(delivery=delivery, force=True)
            if result.status == WebhookDelivery.Status.FAILED:
                messages.error(request, f"Delivery {result.pk} failed again: see its error below.")
            else:
                messages.success(
                    request, f"Delivery {result.pk} reprocessed: {result.get_status_display()}."
                )
        return HttpResponseRedirect(
            reverse("admin:templates_app_webhookdelivery_change", args=[delivery.pk])
        )
