"""Writes to business accounts, numbers and templates, and the application of Meta's events."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from organizations.models import Organization
from pytake.exceptions import ApplicationError
from templates_app.meta import (
    SIGNATURE_HEADER,
    CategoryUpdate,
    ComponentsUpdate,
    Field,
    IgnoredChange,
    ParsedDelivery,
    QualityUpdate,
    StatusEvent,
    StatusUpdate,
    TemplateEvent,
    TemplateRef,
    parse_delivery_body,
)
from templates_app.models import (
    BusinessAccount,
    PhoneNumber,
    TemplateStatus,
    WebhookDelivery,
    WhatsAppTemplate,
)
from templates_app.signals import template_quality_changed, template_status_changed


def canonical_language(code: str) -> str:
    """Meta's own spelling of a language code: `en-US` and `en_US` are the same language."""
    return code.strip().replace("-", "_")


@transaction.atomic
def create_business_account(
    *, organization: Organization, waba_id: str, name: str
) -> BusinessAccount:
    return BusinessAccount.objects.create(organization=organization, waba_id=waba_id, name=name)


@transaction.atomic
def create_phone_number(
    *,
    business_account: BusinessAccount,
    phone_number_id: str,
    display_phone_number: str,
    verified_name: str = "",
) -> PhoneNumber:
    return PhoneNumber.objects.create(
        business_account=business_account,
        phone_number_id=phone_number_id,
        display_phone_number=display_phone_number,
        verified_name=verified_name,
    )


def create_template(
    *,
    phone_number: PhoneNumber,
    name: str,
    language: str,
    category: str = "",
    meta_template_id: str | None = None,
) -> WhatsAppTemplate:
    """A template submitted through PyTake: PENDING with quality UNKNOWN until Meta rules."""
    account = phone_number.business_account
    try:
        with transaction.atomic():
            return WhatsAppTemplate.objects.create(
                organization_id=account.organization_id,
                business_account=account,
                phone_number=phone_number,
                name=name,
                language=canonical_language(language),
                category=category,
                meta_template_id=meta_template_id or None,
                pending_since=timezone.now(),
            )
    except IntegrityError as exc:
        # A concurrent request took the name or the Meta id between validation and insert.
        raise ApplicationError(
            "A template with this name and language, or this Meta id, already exists.",
            extra={"name": ["This business account already has this template."]},
        ) from exc


# --- Meta's template events ---------------------------------------------------------------------

logger = logging.getLogger(__name__)


class Result(StrEnum):
    """What became of one change of a delivery."""

    APPLIED = "applied"
    UNCHANGED = "unchanged"
    STALE = "stale"
    IGNORED = "ignored"


@dataclass(frozen=True, slots=True)
class ChangeOutcome:
    position: str
    field: str
    result: Result
    detail: str = ""
    template_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "field": self.field,
            "result": str(self.result),
            "detail": self.detail,
            "template_id": self.template_id,
        }


# Events for which an unknown template is learned: Meta's news of a template created in its manager.
CREATING_EVENTS = frozenset({StatusEvent.APPROVED, StatusEvent.PENDING, StatusEvent.REJECTED})

# A status event names the status it moves to, except these, which depend on the template.
STATUS_OF_EVENT: dict[StatusEvent, TemplateStatus] = {
    **{StatusEvent(status.value): status for status in TemplateStatus},
    StatusEvent.REINSTATED: TemplateStatus.APPROVED,
}


def apply_template_event(
    *, event: TemplateEvent, delivery: WebhookDelivery | None = None, received_at: datetime
) -> ChangeOutcome:
    """Apply one of Meta's template events to its template, under a row lock.

    Each dimension (status, quality, category, components) is ordered on its own: an event
    older than the last one applied to its dimension is recorded as stale and changes nothing.
    Status and quality changes send their signal, in this transaction, for other apps to react.
    """
    dimension = DIMENSIONS[type(event)]
    field = dimension.field
    account = BusinessAccount.objects.filter(waba_id=event.waba_id).first()
    if account is None:
        return _ignored(event, field, f"unknown WABA {event.waba_id}")
    template = _locked_template(account, event)
    if template is None:
        return _ignored(event, field, f"unknown template {_describe(event.template)}")
    if event.occurred_at is None:
        # Meta gave no time: the receipt time stands in, for this service and every receiver.
        event = dataclasses.replace(event, occurred_at=received_at)
    occurred_at = event.occurred_at
    last_applied_at = getattr(template, dimension.applied_at)
    if _is_stale(last_applied_at, occurred_at):
        result, detail = (
            Result.STALE,
            f"{dimension.name} event of {occurred_at.isoformat()} is older than the last one "
            f"applied ({last_applied_at.isoformat()})",
        )
    else:
        setattr(template, dimension.applied_at, occurred_at)
        result, detail = dimension.apply(
            template, event, occurred_at=occurred_at, delivery=delivery
        )
    return ChangeOutcome(event.position, field, result, detail, str(template.pk))


def _ignored(event: TemplateEvent, field: str, reason: str) -> ChangeOutcome:
    logger.warning("Meta change %s ignored: %s", event.position, reason)
    return ChangeOutcome(event.position, field, Result.IGNORED, reason)


def _describe(ref: TemplateRef) -> str:
    return f"{ref.name or '?'} ({ref.language or '?'}) id {ref.meta_template_id or '?'}"


def _locked_template(account: BusinessAccount, event: TemplateEvent) -> WhatsAppTemplate | None:
    """Meta's template id, else name + language, else the only namesake of no other language.

    A template found by name learns its Meta id; one not found at all is created from an
    APPROVED, PENDING or REJECTED event.
    """
    ref = event.template
    templates = WhatsAppTemplate.objects.select_for_update().filter(
        business_account=account, deleted_at__isnull=True
    )
    if ref.meta_template_id:
        found = templates.filter(meta_template_id=ref.meta_template_id).first()
        if found is not None:
            return found
        # By name only a template Meta has not numbered yet: another id is another template.
        templates = templates.filter(meta_template_id__isnull=True)
    template = None
    if ref.name:
        if ref.language:
            template = templates.filter(
                name=ref.name, language__iexact=canonical_language(ref.language)
            ).first()
        if template is None:
            same_name = templates.filter(name=ref.name)
            if ref.language:
                # Another language is another template: only one stored without a language fits.
                same_name = same_name.filter(language="")
            candidates = list(same_name[:2])
            template = candidates[0] if len(candidates) == 1 else None
    if template is not None:
        if ref.meta_template_id:
            template.meta_template_id = ref.meta_template_id
            template.save(update_fields=["meta_template_id", "updated_at"])
        return template
    if isinstance(event, StatusUpdate) and event.event in CREATING_EVENTS and ref.name:
        if (
            ref.meta_template_id
            and WhatsAppTemplate.objects.filter(meta_template_id=ref.meta_template_id).exists()
        ):
            return None  # Meta's id is another business account's template: not ours to touch.
        same_name_and_language = WhatsAppTemplate.objects.filter(
            business_account=account,
            deleted_at__isnull=True,
            name=ref.name,
            language__iexact=canonical_language(ref.language or ""),
        )
        # Meta lets a deleted template's name be used again, under a new id.
        same_name_and_language.filter(status=TemplateStatus.DELETED).update(
            deleted_at=timezone.now()
        )
        if same_name_and_language.exists():
            return None  # A live template holds this name under another Meta id.
        return WhatsAppTemplate.objects.create(
            organization_id=account.organization_id,
            business_account=account,
            meta_template_id=ref.meta_template_id,
            name=ref.name,
            language=canonical_language(ref.language or ""),
            category=event.category or "",
        )
    return None


def _is_stale(last_applied_at: datetime | None, occurred_at: datetime) -> bool:
    return last_applied_at is not None and occurred_at < last_applied_at


def _apply_status(
    template: WhatsAppTemplate,
    event: StatusUpdate,
    *,
    occurred_at: datetime,
    delivery: WebhookDelivery | None,
) -> tuple[Result, str]:
    previous_status = template.status
    if event.event is StatusEvent.UNARCHIVED:
        new_status = template.status_before_archive or TemplateStatus.APPROVED
        template.status_before_archive = ""
    else:
        new_status = STATUS_OF_EVENT[event.event]
    reason = "" if event.reason in (None, "NONE") else event.reason

    if new_status == TemplateStatus.APPROVED:
        template.approved_at = occurred_at
        template.paused_title = template.pause_description = ""
        template.paused_at = None
    elif new_status == TemplateStatus.PENDING:
        template.pending_since = occurred_at
    elif new_status == TemplateStatus.REJECTED:
        template.rejected_at = occurred_at
        template.rejection_reason = ": ".join(
            part for part in (reason, event.rejection_reason) if part
        )
        template.rejection_recommendation = event.rejection_recommendation or ""
    elif new_status == TemplateStatus.PAUSED:
        template.paused_at = occurred_at
        template.paused_title = event.other_info_title or ""
        template.pause_description = event.other_info_description or ""
    elif new_status == TemplateStatus.DISABLED:
        template.disabled_at = occurred_at
        template.disabled_reason = reason
        template.disable_date = event.disable_date
    elif new_status == TemplateStatus.ARCHIVED and previous_status != TemplateStatus.ARCHIVED:
        template.status_before_archive = previous_status

    template.status = new_status
    if event.category and not _is_stale(template.category_event_at, occurred_at):
        template.category = event.category
        template.category_event_at = occurred_at
    template.save()

    if previous_status == new_status:
        return Result.UNCHANGED, f"status stays {new_status}"
    template_status_changed.send(
        sender=WhatsAppTemplate,
        template=template,
        previous_status=previous_status,
        new_status=new_status,
        event=event,
        delivery=delivery,
    )
    return Result.APPLIED, f"status {previous_status} → {new_status}"


def _apply_quality(
    template: WhatsAppTemplate,
    event: QualityUpdate,
    *,
    occurred_at: datetime,
    delivery: WebhookDelivery | None,
) -> tuple[Result, str]:
    previous_quality = template.quality_score
    template.quality_score = event.new_quality
    template.quality_updated_at = occurred_at
    template.save()
    if previous_quality == event.new_quality:
        return Result.UNCHANGED, f"quality stays {event.new_quality}"
    template_quality_changed.send(
        sender=WhatsAppTemplate,
        template=template,
        previous_quality=previous_quality,
        new_quality=str(event.new_quality),
        event=event,
        delivery=delivery,
    )
    return Result.APPLIED, f"quality {previous_quality} → {event.new_quality}"


def _apply_category(
    template: WhatsAppTemplate,
    event: CategoryUpdate,
    *,
    occurred_at: datetime,
    delivery: WebhookDelivery | None,
) -> tuple[Result, str]:
    previous_category = template.category
    if event.new_category:
        template.category = event.new_category
    if event.is_announcement:
        # Meta announces the change: the current category holds until category_change_at.
        template.upcoming_category = event.correct_category or ""
        template.category_change_at = event.category_change_at
    elif template.upcoming_category == template.category:
        template.upcoming_category = ""
        template.category_change_at = None
    template.save()
    if event.is_announcement:
        return Result.APPLIED, (
            f"category {template.category} becomes {template.upcoming_category} "
            f"at {event.category_change_at.isoformat() if event.category_change_at else '?'}"
        )
    if previous_category == template.category:
        return Result.UNCHANGED, f"category stays {template.category}"
    return Result.APPLIED, f"category {previous_category or '?'} → {template.category}"


def _apply_components(
    template: WhatsAppTemplate,
    event: ComponentsUpdate,
    *,
    occurred_at: datetime,
    delivery: WebhookDelivery | None,
) -> tuple[Result, str]:
    template.components = event.as_components()
    template.save()
    return Result.APPLIED, "components updated"


@dataclass(frozen=True, slots=True)
class Dimension:
    """What one kind of event changes, and where the time of the last one applied is kept."""

    name: str
    field: str
    applied_at: str
    apply: Callable[..., tuple[Result, str]]


DIMENSIONS: dict[type, Dimension] = {
    StatusUpdate: Dimension("status", Field.STATUS, "status_event_at", _apply_status),
    QualityUpdate: Dimension("quality", Field.QUALITY, "quality_event_at", _apply_quality),
    CategoryUpdate: Dimension("category", Field.CATEGORY, "category_event_at", _apply_category),
    ComponentsUpdate: Dimension(
        "components", Field.COMPONENTS, "components_event_at", _apply_components
    ),
}


# --- deliveries -----------------------------------------------------------------------------------

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
                    event=change, delivery=delivery, received_at=delivery.received_at
                )
            )
    return outcomes


def prune_deliveries(*, older_than: datetime) -> int:
    """Delete deliveries fully handled before `older_than`; failed or pending ones stay."""
    deleted, _ = WebhookDelivery.objects.filter(
        status__in=DONE_STATUSES, received_at__lt=older_than
    ).delete()
    return deleted
