"""Reads for the dashboard page and the admin's health views, each scoped by organization first;
the counts across apps that templates_app's own reads use (TEMPLATE_HEALTH_COUNTS)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from alerts.models import Alert, NotificationDelivery
from alerts.selectors import open_alerts_of
from audit.models import AuditLog
from campaigns.fallbacks import incompatibility
from campaigns.models import Campaign
from organizations.models import Organization, User
from templates_app.attention import severity_expression
from templates_app.badges import quality_badge, status_badge
from templates_app.models import QualityScore, TemplateStatus, WebhookDelivery, WhatsAppTemplate


def open_alerts_count() -> Coalesce:
    """Per template: its alerts nobody has resolved yet, acknowledged or not."""
    return _count_per_template(Alert.objects.filter(status__in=Alert.OPEN_STATUSES))


def campaigns_affected_count() -> Coalesce:
    """Per template: the campaigns its trouble touches, ACTIVE, SCHEDULED or PAUSED by it."""
    return _count_per_template(
        Campaign.objects.filter(
            Q(status__in=Campaign.SENDING_STATUSES)
            | Q(status=Campaign.Status.PAUSED, paused_by_template=True),
            deleted_at__isnull=True,
        )
    )


def campaigns_switched_count() -> Coalesce:
    """Per template: the campaigns that moved from it to a fallback and send from there."""
    moved = (
        Campaign.objects.filter(original_template=OuterRef("pk"), deleted_at__isnull=True)
        .order_by()
        .values("original_template")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(moved, output_field=IntegerField()), 0)


def _count_per_template(rows: QuerySet) -> Coalesce:
    """How many of `rows` point at each template, as a correlated subquery.

    A subquery, not a JOIN + COUNT(DISTINCT): two relations joined together multiply each other's
    rows, and the database counts only for the templates it returns.
    """
    counted = (
        rows.filter(template=OuterRef("pk"))
        .order_by()
        .values("template")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def dashboard_organization(user: User, *, requested: str | None) -> Organization | None:
    """The organization the page shows: the user's own; a super admin picks one (`requested`)."""
    if user.organization_id is not None and not (user.is_superuser and requested):
        return user.organization
    if not user.is_superuser or not requested:
        return None
    try:
        return Organization.objects.filter(pk=UUID(requested)).first()
    except ValueError:
        return None


def organization_templates(*, organization: Organization) -> QuerySet[WhatsAppTemplate]:
    """The organization's templates (not deleted), by name, with their severity and what it
    reads, so each one's guidance needs no query of its own."""
    return (
        WhatsAppTemplate.objects.filter(organization=organization, deleted_at__isnull=True)
        .select_related("business_account", "phone_number")
        .annotate(severity=severity_expression(timezone.now()))
        .order_by("name", "language")
    )


def organization_template(
    *, organization: Organization, template_id: UUID
) -> WhatsAppTemplate | None:
    """One of the organization's templates (None for another's), with its `severity`."""
    return (
        WhatsAppTemplate.objects.filter(
            organization=organization, pk=template_id, deleted_at__isnull=True
        )
        .annotate(severity=severity_expression(timezone.now()))
        .select_related("business_account", "phone_number")
        .first()
    )


def paused_campaigns(*, organization: Organization) -> QuerySet[Campaign]:
    """The organization's paused campaigns, the latest paused first, with their template."""
    return (
        Campaign.objects.filter(
            organization=organization, status=Campaign.Status.PAUSED, deleted_at__isnull=True
        )
        .select_related("template")
        .order_by("-paused_at", "name")
    )


def unresolved_alerts(*, organization: Organization) -> QuerySet[Alert]:
    """The organization's alerts nobody resolved yet (open or acknowledged), newest first."""
    return (
        Alert.objects.filter(organization=organization, status__in=Alert.OPEN_STATUSES)
        .select_related("template", "acknowledged_by")
        .order_by("-created_at")
    )


def template_campaigns(*, template: WhatsAppTemplate) -> QuerySet[Campaign]:
    """A template's campaigns that are not deleted, the latest first."""
    return Campaign.objects.filter(template=template, deleted_at__isnull=True).order_by(
        "-created_at"
    )


def template_open_alerts(*, template: WhatsAppTemplate) -> QuerySet[Alert]:
    """A template's unresolved alerts, newest first."""
    return open_alerts_of(template).select_related("acknowledged_by").order_by("-created_at")


def delivery_audit_entries(*, delivery_id: int) -> QuerySet[AuditLog]:
    """What one webhook delivery changed, as the audit trail recorded it, in order."""
    return AuditLog.objects.filter(delivery_id=delivery_id).order_by("id")


def organization_health(*, organization: Organization) -> dict[str, Any]:
    """Counts by status and quality, in one aggregate query, for the health page."""
    templates = WhatsAppTemplate.objects.filter(
        organization=organization, deleted_at__isnull=True
    ).exclude(status=TemplateStatus.DELETED)
    counts = templates.aggregate(
        total=Count("pk"),
        **{f"status_{status}": Count("pk", filter=Q(status=status)) for status in TemplateStatus},
        **{
            f"quality_{quality}": Count("pk", filter=Q(quality_score=quality))
            for quality in QualityScore
        },
    )
    return {
        "total": counts["total"],
        "by_status": [
            (status_badge(status), counts[f"status_{status}"])
            for status in TemplateStatus
            if counts[f"status_{status}"]
        ],
        "by_quality": [
            (quality_badge(quality), counts[f"quality_{quality}"]) for quality in QualityScore
        ],
    }


def latest_alerts(*, organization: Organization, limit: int = 10) -> QuerySet[Alert]:
    """The organization's latest alerts, whatever their state."""
    return (
        Alert.objects.filter(organization=organization)
        .select_related("template")
        .order_by("-created_at")[:limit]
    )


def latest_failed_deliveries(*, organization: Organization, limit: int = 10) -> list[Any]:
    """The latest webhook deliveries that failed for one of the organization's business accounts."""
    waba_ids = list(organization.business_accounts.values_list("waba_id", flat=True))
    if not waba_ids:
        return []
    # `waba_ids` is a comma-separated list: match whole ids, not a prefix of a longer one.
    matches = Q()
    for waba_id in waba_ids:
        matches |= (
            Q(waba_ids=waba_id)
            | Q(waba_ids__startswith=f"{waba_id},")
            | Q(waba_ids__endswith=f",{waba_id}")
            | Q(waba_ids__contains=f",{waba_id},")
        )
    return list(
        WebhookDelivery.objects.filter(matches, status=WebhookDelivery.Status.FAILED).order_by(
            "-received_at"
        )[:limit]
    )


def latest_failed_notifications(
    *, organization: Organization, limit: int = 10
) -> QuerySet[NotificationDelivery]:
    """The organization's latest notifications that failed for good or wait for a retry."""
    return (
        NotificationDelivery.objects.filter(
            channel__organization=organization,
            status__in=[NotificationDelivery.Status.FAILED, NotificationDelivery.Status.RETRYING],
        )
        .select_related("channel", "alert")
        .order_by("-pk")[:limit]
    )


def campaigns_on_fallbacks(*, organization: Organization) -> QuerySet[Campaign]:
    """The organization's campaigns sending through a fallback template, latest switch first."""
    return (
        Campaign.objects.filter(
            organization=organization, original_template__isnull=False, deleted_at__isnull=True
        )
        .select_related("template", "original_template")
        .order_by("-switched_at", "name")
    )


# The dashboard names at most this many fallbacks per campaign, as the admin does.
FALLBACK_SLOTS = 3


@dataclass(frozen=True)
class FallbackChoices:
    """A campaign, the fallbacks it names (in order) and the templates that could stand in."""

    campaign: Campaign
    chosen: list[UUID | None]
    compatible: list[WhatsAppTemplate]


def campaigns_with_fallback_choices(*, organization: Organization) -> list[FallbackChoices]:
    """The organization's campaigns with, for each, the templates that can stand in for its own
    (same business account, language, category, parameters, header and buttons): two queries
    and a prefetch, whatever the number of campaigns."""
    campaigns = (
        Campaign.objects.filter(organization=organization, deleted_at__isnull=True)
        .exclude(status__in=[Campaign.Status.COMPLETED, Campaign.Status.CANCELLED])
        .select_related("template", "original_template")
        .prefetch_related("fallbacks")
        .order_by("name")
    )
    templates = list(
        WhatsAppTemplate.objects.filter(
            organization=organization, deleted_at__isnull=True
        ).order_by("name", "language")
    )
    rows = []
    for campaign in campaigns:
        own = campaign.original_template or campaign.template
        chosen: list[UUID | None] = [fallback.template_id for fallback in campaign.fallbacks.all()]
        rows.append(
            FallbackChoices(
                campaign=campaign,
                chosen=(chosen + [None] * FALLBACK_SLOTS)[:FALLBACK_SLOTS],
                compatible=[
                    template
                    for template in templates
                    if template.pk != own.pk and not incompatibility(own, template)
                ],
            )
        )
    return rows
