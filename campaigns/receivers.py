"""Campaigns follow their template: Meta's block pauses them, its return may resume them."""

from __future__ import annotations

from typing import Any

from campaigns import services
from templates_app.meta import StatusUpdate
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
    services.follow_template_status(
        template=template,
        new_status=new_status,
        event=event,
        delivery=delivery,
    )
