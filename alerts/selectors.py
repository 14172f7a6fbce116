from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from django.db.models import QuerySet

from alerts.models import Alert, NotificationChannel
from organizations.models import User
from organizations.permissions import scope_to_organization
from templates_app.models import WhatsAppTemplate


def alerts_for(user: User) -> QuerySet[Alert]:
    """The user's organization's alerts, newest first, with their template and people."""
    alerts = Alert.objects.select_related("template", "acknowledged_by", "resolved_by")
    return scope_to_organization(alerts, user).order_by("-created_at", "-pk")


def open_alerts_of(template: WhatsAppTemplate) -> QuerySet[Alert]:
    """The template's alerts not resolved yet (open or acknowledged)."""
    return Alert.objects.filter(template=template, status__in=Alert.OPEN_STATUSES)


def channels_for(user: User) -> QuerySet[NotificationChannel]:
    """The user's organization's notification channels."""
    return scope_to_organization(NotificationChannel.objects.all(), user)


def alerts_raised_between(
    *, template_ids: Iterable[UUID], start: datetime, end: datetime
) -> QuerySet[Alert]:
    """Alerts of these templates opened from `start` to `end`: what a delivery applied in that
    window raised (an alert records no delivery of its own)."""
    return Alert.objects.filter(
        template_id__in=list(template_ids), created_at__gte=start, created_at__lte=end
    )
