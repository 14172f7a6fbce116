"""Reads for the dashboard page, each scoped by organization first."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from alerts.models import Alert
from campaigns.models import Campaign
from organizations.models import Organization, User
from templates_app.models import WhatsAppTemplate


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
    """The organization's templates (not deleted), by name."""
    return WhatsAppTemplate.objects.filter(
        organization=organization, deleted_at__isnull=True
    ).order_by("name", "language")


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
        Alert.objects.filter(
            organization=organization,
            status__in=[Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED],
        )
        .select_related("template", "acknowledged_by")
        .order_by("-created_at")
    )
