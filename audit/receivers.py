"""Audit entries for what other apps announce: Meta's template news and admin changes."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import LogEntry

from audit import services
from templates_app.meta import QualityUpdate, StatusUpdate
from templates_app.models import WebhookDelivery, WhatsAppTemplate


def template_status_changed(
    sender: type,
    *,
    template: WhatsAppTemplate,
    previous_status: str,
    new_status: str,
    event: StatusUpdate,
    delivery: WebhookDelivery | None,
    **kwargs: Any,
) -> None:
    services.record_template_status_change(
        template=template,
        previous_status=previous_status,
        new_status=new_status,
        event=event,
        delivery=delivery,
    )


def template_quality_changed(
    sender: type,
    *,
    template: WhatsAppTemplate,
    previous_quality: str,
    new_quality: str,
    event: QualityUpdate,
    delivery: WebhookDelivery | None,
    **kwargs: Any,
) -> None:
    services.record_template_quality_change(
        template=template,
        previous_quality=previous_quality,
        new_quality=new_quality,
        event=event,
        delivery=delivery,
    )


def admin_log_entry_saved(
    sender: type, *, instance: LogEntry, created: bool, **kwargs: Any
) -> None:
    if created:
        services.record_admin_change(log_entry=instance)
