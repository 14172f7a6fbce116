"""Meta's webhook deliveries: store, process, reprocess and prune."""

from __future__ import annotations

import hashlib
import logging
import traceback
from collections.abc import Mapping
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from templates_app.meta import SIGNATURE_HEADER, IgnoredChange, ParsedDelivery, parse_delivery_body
from templates_app.models import WebhookDelivery
from templates_app.services.events import ChangeOutcome, Result, apply_template_event

logger = logging.getLogger(__name__)

# Headers kept with a delivery: enough to re-verify it and to trace it in Meta's logs.
KEPT_HEADERS = ("Content-Type", "User-Agent", SIGNATURE_HEADER, "X-Forwarded-For")


def store_delivery(*, body: bytes, headers: Mapping[str, str]) -> tuple[WebhookDelivery, bool]:
    """Keep the raw delivery before anything is applied; a redelivery finds its first copy.

    Returns the delivery and whether it is new. Meta repeats a body byte for byte, so its sha256
    recognises a redelivery; `get_or_create` absorbs the race of two copies arriving together.
    """
    kept = {name: headers[name] for name in KEPT_HEADERS if name in headers}
    return WebhookDelivery.objects.get_or_create(
        body_sha256=hashlib.sha256(body).hexdigest(), defaults={"body": body, "headers": kept}
    )


def process_delivery(
    *, delivery: WebhookDelivery, parsed: ParsedDelivery | None = None, force: bool = False
) -> WebhookDelivery:
    """Apply every change of a stored delivery in one transaction, or none of them.

    A delivery already processed (or ignored) is left alone unless `force`; the row lock makes a
    concurrent copy of the same delivery wait and then find it done. On an error the delivery
    is kept as failed, with the traceback, for Meta's retry or `reprocess_webhooks`.
    `parsed` spares a second parse when the caller has just parsed these very bytes.
    """
    try:
        with transaction.atomic():
            locked = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
            if locked.status in DONE_STATUSES and not force:
                return locked
            outcomes = _apply_delivery(locked, parsed or parse_delivery_body(bytes(locked.body)))
            applied = any(outcome.result is not Result.IGNORED for outcome in outcomes)
            locked.status = (
                WebhookDelivery.Status.PROCESSED if applied else WebhookDelivery.Status.IGNORED
            )
            locked.outcomes = [outcome.as_json() for outcome in outcomes]
            locked.fields = ",".join(dict.fromkeys(outcome.field for outcome in outcomes))[:200]
            locked.error = ""
            locked.attempts += 1
            locked.processed_at = timezone.now()
            locked.save()
            return locked
    except Exception:
        logger.exception("Webhook delivery %s failed", delivery.pk)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDelivery.Status.FAILED,
            error=traceback.format_exc(),
            attempts=F("attempts") + 1,
            processed_at=timezone.now(),
        )
        return WebhookDelivery.objects.get(pk=delivery.pk)


DONE_STATUSES = frozenset({WebhookDelivery.Status.PROCESSED, WebhookDelivery.Status.IGNORED})


def _apply_delivery(delivery: WebhookDelivery, parsed: ParsedDelivery) -> list[ChangeOutcome]:
    delivery.waba_ids = ",".join(
        dict.fromkeys(change.waba_id for change in parsed.events if change.waba_id)
    )[:200]
    outcomes = []
    for change in parsed.events:
        if isinstance(change, IgnoredChange):
            logger.warning("Meta change %s ignored: %s", change.position, change.reason)
            outcomes.append(
                ChangeOutcome(change.position, change.field or "", Result.IGNORED, change.reason)
            )
        else:
            outcomes.append(
                apply_template_event(
                    event=change, delivery_id=delivery.pk, received_at=delivery.received_at
                )
            )
    return outcomes


def prune_deliveries(*, older_than: datetime) -> int:
    """Delete deliveries fully handled before `older_than`; failed or pending ones stay."""
    deleted, _ = WebhookDelivery.objects.filter(
        status__in=DONE_STATUSES, received_at__lt=older_than
    ).delete()
    return deleted
