from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import IntegerField, QuerySet, Subquery

from alerts.models import Alert, NotificationChannel
from audit.models import AuditLog
from audit.services import Action
from organizations.models import User
from organizations.permissions import scope_to_organization
from templates_app.models import WebhookDelivery, WhatsAppTemplate


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


class SubqueryCount(Subquery):
    """The number of rows of a subquery, as a column of the outer query."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) counted)"
    output_field = IntegerField()


def delivery_effects(
    *, delivery_id: int, template_ids: Collection[UUID], start: datetime, end: datetime
) -> dict[str, int]:
    """What one webhook delivery did besides its changes, in one statement: the campaigns it
    paused (audit entries that name it) and the alerts opened for the templates it changed while
    it was applied (an alert records no delivery of its own)."""
    paused = AuditLog.objects.filter(delivery_id=delivery_id, action=Action.CAMPAIGN_PAUSED)
    counts: dict[str, Any] = {"campaigns_paused": SubqueryCount(paused.values("id"))}
    if template_ids:
        raised = Alert.objects.filter(
            template_id__in=list(template_ids), created_at__gte=start, created_at__lte=end
        )
        counts["alerts_raised"] = SubqueryCount(raised.values("id"))
    row = WebhookDelivery.objects.filter(pk=delivery_id).values(**counts).get()
    return {
        "campaigns_paused": row["campaigns_paused"],
        "alerts_raised": row.get("alerts_raised", 0),
    }
