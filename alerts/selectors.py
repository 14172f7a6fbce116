from __future__ import annotations

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
