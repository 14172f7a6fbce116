"""Meta's template events for tests, applied with the webhook's own service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from templates_app.changes import ChangeKind, TemplateChange
from templates_app.meta import QualityScore, QualityUpdate, StatusEvent, StatusUpdate, TemplateRef
from templates_app.models import WebhookDelivery, WhatsAppTemplate
from templates_app.services.state_machine import ChangeOutcome, apply_template_event


def _ref(template: WhatsAppTemplate) -> TemplateRef:
    return TemplateRef(template.meta_template_id, template.name, template.language)


def status_update(
    template: WhatsAppTemplate,
    event: str,
    *,
    reason: str | None = "NONE",
    occurred_at: datetime | None = None,
    **fields: Any,
) -> StatusUpdate:
    """A status event for `template`, as the parser makes it from Meta's body."""
    return StatusUpdate(
        waba_id=template.business_account.waba_id,
        template=_ref(template),
        occurred_at=occurred_at,
        event=StatusEvent(event),
        reason=reason,
        **fields,
    )


def quality_update(
    template: WhatsAppTemplate,
    new_quality: str,
    *,
    reasons: tuple[str, ...] = (),
    occurred_at: datetime | None = None,
) -> QualityUpdate:
    return QualityUpdate(
        waba_id=template.business_account.waba_id,
        template=_ref(template),
        occurred_at=occurred_at,
        new_quality=QualityScore(new_quality),
        previous_quality=QualityScore(template.quality_score),
        reasons=reasons,
    )


def status_change(
    template: WhatsAppTemplate, previous: str, new: str, *, what_happened: str | None = None
) -> TemplateChange:
    """The value the status signal carries, as the webhook's state machine makes it."""
    return TemplateChange(
        template=template,
        kind=ChangeKind.STATUS,
        previous=previous,
        new=new,
        what_happened=what_happened or new,
        reason=f"{(what_happened or new).capitalize()} by Meta",
        occurred_at=timezone.now(),
    )


def apply(
    event: StatusUpdate | QualityUpdate, *, delivery: WebhookDelivery | None = None
) -> ChangeOutcome:
    """Apply `event` as a webhook delivery would, in its own transaction."""
    with transaction.atomic():
        return apply_template_event(
            event=event,
            delivery_id=delivery.pk if delivery is not None else None,
            received_at=timezone.now(),
        )


def apply_status(template: WhatsAppTemplate, event: str, **kwargs: Any) -> ChangeOutcome:
    outcome = apply(status_update(template, event, **kwargs))
    template.refresh_from_db()
    return outcome
