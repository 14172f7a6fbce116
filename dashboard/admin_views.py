"""Template health where staff look, in the admin: the parts that read across apps.

The template and delivery admins are templates_app's (templates_app/admin.py). What their pages
show of campaigns, alerts and the audit trail, the actions on them, and the organization's
health page are views here, put among the admin site's URLs by `admin_urls` (see
pytake/admin_site.py), so templates_app never imports the apps that react to it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import admin, messages
from django.contrib.admin import AdminSite
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join

from alerts.services import lifecycle as alert_services
from audit.models import AuditLog
from audit.selectors import history_row, template_status_history
from campaigns import services as campaign_services
from campaigns.models import Campaign
from dashboard import selectors
from organizations.models import Organization
from organizations.permissions import can_administer
from pytake.exceptions import ApplicationError
from templates_app.admin import badge_html
from templates_app.attention import needs_attention
from templates_app.badges import quality_badge, status_badge
from templates_app.charts import read_rate_svg
from templates_app.guidance import template_guidance
from templates_app.models import WebhookDelivery, WhatsAppTemplate
from templates_app.selectors import daily_counts_of, pause_ladder_of
from templates_app.sending_path_health import sending_path_of
from templates_app.services.sending_path import campaign_blockers

HISTORY_PAGE_SIZE = 10
DAILY_ROWS_SHOWN = 7
ADMIN_PAUSE_REASON = "Paused in the admin, from the template's page."
TEMPLATES = "templates_app/whatsapptemplate/"


def admin_urls(site: AdminSite) -> list:
    """The health views, at the template and delivery admins' addresses and names; listed
    before the admins' own URLs, so the template's and the delivery's pages are these."""
    views = HealthViews(site)
    view = site.admin_view
    return [
        path(f"{TEMPLATES}health/", view(views.health_view), name="template-health"),
        path(
            f"{TEMPLATES}<path:object_id>/alerts/<uuid:alert_id>/acknowledge/",
            view(views.acknowledge_alert_view),
            name="templates_app_whatsapptemplate_acknowledge_alert",
        ),
        path(
            f"{TEMPLATES}<path:object_id>/campaigns/<str:action>/",
            view(views.campaigns_action_view),
            name="templates_app_whatsapptemplate_campaigns",
        ),
        path(
            f"{TEMPLATES}<path:object_id>/change/",
            view(views.template_change_view),
            name="templates_app_whatsapptemplate_change",
        ),
        path(
            "templates_app/webhookdelivery/<path:object_id>/change/",
            view(views.delivery_change_view),
            name="templates_app_webhookdelivery_change",
        ),
    ]


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


def why_campaigns_cannot_resume(template: WhatsAppTemplate) -> str:
    """Why the template's paused campaigns cannot resume now, in a sentence; "" when they can
    (what `campaigns.services.resume_campaign` would refuse)."""
    if template.is_blocked:
        status = status_badge(template.status).label.lower()
        return (
            f"Its paused campaigns cannot resume: the template is {status}, and Meta does not "
            "send it until it is approved again."
        )
    blockers = campaign_blockers(template.business_account, now=timezone.now())
    if blockers:
        return f"Its paused campaigns cannot resume: {' '.join(blockers)}"
    return ""


class HealthViews:
    """Views over the template and delivery admins: each finds its object through the admin
    (so it keeps the admin's organization scoping) and writes only through services."""

    def __init__(self, site: AdminSite) -> None:
        self.site = site

    @property
    def templates(self) -> admin.ModelAdmin:
        return self.site.get_model_admin(WhatsAppTemplate)

    @property
    def deliveries(self) -> admin.ModelAdmin:
        return self.site.get_model_admin(WebhookDelivery)

    # --- the template's page ------------------------------------------------------------------

    def template_change_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The template admin's page, with its health, history, campaigns and open alerts."""
        template = self.templates.get_object(request, object_id)
        extra_context = None
        if template is not None:
            extra_context = self._health_context(request, template)
        return self.templates.change_view(request, object_id, extra_context=extra_context)

    def _health_context(self, request: HttpRequest, template: WhatsAppTemplate) -> dict[str, Any]:
        history = Paginator(template_status_history(template=template), HISTORY_PAGE_SIZE)
        history_page = history.get_page(request.GET.get("history"))
        guidance = template_guidance(template)
        days = daily_counts_of(template)
        return {
            "health": {
                "status": badge_html(status_badge(template.status)),
                "quality": badge_html(quality_badge(template.quality_score)),
                "reason": guidance.why,
                "action": guidance.what_to_do,
                "recommendation": template.rejection_recommendation,
                "failure_rate": self.templates.failure_rate(template),
            },
            "history_page": history_page,
            "history": [_history_line(entry) for entry in history_page],
            "campaigns": selectors.template_campaigns(template=template),
            "alerts": selectors.template_open_alerts(template=template),
            "can_act": can_administer(request.user, template.organization_id),
            "resume_refusal": why_campaigns_cannot_resume(template),
            "ladder": pause_ladder_of(template),
            "read_rate_chart": read_rate_svg(days),
            # The last week, newest first: the chart shows the month's trend.
            "daily_counts": days[::-1][:DAILY_ROWS_SHOWN],
        }

    def acknowledge_alert_view(self, request: HttpRequest, object_id: str, alert_id: UUID):
        """Acknowledge one of the template's open alerts through the alerts service."""
        template = self.templates.get_object(request, object_id)
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
        template = self.templates.get_object(request, object_id)
        if template is None or request.method != "POST" or action not in ("pause", "resume"):
            return HttpResponseRedirect(reverse("admin:templates_app_whatsapptemplate_changelist"))
        if not self.templates.has_change_permission(request, template):
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
            **self.site.each_context(request),
            "title": "Template health",
            "organization": organization,
            "organizations": Organization.objects.order_by("name")
            if request.user.is_superuser
            else [],
        }
        if organization is not None:
            critical = (
                self.templates.get_queryset(request)
                .filter(organization=organization)
                .filter(needs_attention(timezone.now()))
                .select_related("business_account", "phone_number")
                .order_by(*self.templates.get_ordering(request))
            )
            context.update(
                {
                    "counts": selectors.organization_health(organization=organization),
                    "critical": [
                        {
                            "template": template,
                            "status": badge_html(status_badge(template.status)),
                            "quality": badge_html(quality_badge(template.quality_score)),
                            "reason": guidance.why,
                            "action": guidance.what_to_do,
                        }
                        for template in critical[:20]
                        for guidance in [template_guidance(template)]
                    ],
                    "sending_path": sending_path_of(organization_id=organization.pk),
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

    # --- a delivery's page --------------------------------------------------------------------

    def delivery_change_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The delivery admin's page, with the campaigns the delivery paused."""
        delivery = self.deliveries.get_object(request, object_id)
        extra_context = None
        if delivery is not None and self.deliveries.has_view_permission(request, delivery):
            extra_context = {"campaigns_paused": self._campaigns_paused(delivery)}
        return self.deliveries.change_view(request, object_id, extra_context=extra_context)

    def _campaigns_paused(self, delivery: WebhookDelivery) -> str:
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
