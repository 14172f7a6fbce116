"""Applying one template event: the state machine shared by Meta's webhook and the sync.

Each dimension of a template (status, quality, category, correct category, components) is
ordered on its own: an event older than the last one applied to its dimension is stale and
changes nothing. A change that changes something sends its signal with a `TemplateChange`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.utils import timezone

from templates_app.meta import (
    CategoryUpdate,
    ComponentsUpdate,
    CorrectCategoryDetection,
    Field,
    QualityUpdate,
    StatusEvent,
    StatusUpdate,
    TemplateEvent,
    TemplateRef,
)
from templates_app.models import BusinessAccount, TemplateStatus, WhatsAppTemplate
from templates_app.reasons import quality_sentence, status_sentence
from templates_app.services.templates import canonical_language
from templates_app.signals import ChangeKind, ChangeSource, TemplateChange, send_template_change

logger = logging.getLogger(__name__)


class Result(StrEnum):
    """What became of one change of a delivery."""

    APPLIED = "applied"
    UNCHANGED = "unchanged"
    STALE = "stale"
    IGNORED = "ignored"
    FAILED = "failed"


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


@dataclass(frozen=True, slots=True)
class Context:
    """Where an event came from: passed to every change it makes."""

    source: ChangeSource
    delivery_id: int | None


def apply_template_event(
    *,
    event: TemplateEvent,
    received_at: datetime,
    delivery_id: int | None = None,
    source: ChangeSource = ChangeSource.META,
) -> ChangeOutcome:
    """Apply one template event to its template, under a row lock.

    Call it inside a transaction: the template's row lock and the receivers' writes belong to
    the caller's transaction.
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
            template, event, occurred_at=occurred_at, context=Context(source, delivery_id)
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
    template: WhatsAppTemplate, event: StatusUpdate, *, occurred_at: datetime, context: Context
) -> tuple[Result, str]:
    previous_status = template.status
    if event.event is StatusEvent.UNARCHIVED:
        new_status = template.status_before_archive or TemplateStatus.APPROVED
        template.status_before_archive = ""
    else:
        new_status = STATUS_OF_EVENT[event.event]
    reason_code = "" if event.reason in (None, "NONE") else event.reason

    if new_status == TemplateStatus.APPROVED:
        template.approved_at = occurred_at
        template.paused_title = template.pause_description = ""
        template.paused_at = None
    elif new_status == TemplateStatus.PENDING:
        template.pending_since = occurred_at
    elif new_status == TemplateStatus.REJECTED:
        template.rejected_at = occurred_at
        template.rejection_reason = ": ".join(
            part for part in (reason_code, event.rejection_reason) if part
        )
        template.rejection_recommendation = event.rejection_recommendation or ""
    elif new_status == TemplateStatus.PAUSED:
        template.paused_at = occurred_at
        template.paused_title = event.other_info_title or ""
        template.pause_description = event.other_info_description or ""
    elif new_status == TemplateStatus.DISABLED:
        template.disabled_at = occurred_at
        template.disabled_reason = reason_code
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
    reason = status_sentence(
        str(event.event),
        reason_code=reason_code,
        pause_title=event.other_info_title,
        description=event.other_info_description,
        rejection_reason=event.rejection_reason,
    )
    _announce(
        template,
        ChangeKind.STATUS,
        previous=previous_status,
        new=new_status,
        what_happened=str(event.event),
        reason=reason,
        reason_code=reason_code,
        occurred_at=occurred_at,
        context=context,
    )
    return Result.APPLIED, f"status {previous_status} → {new_status}"


def _apply_quality(
    template: WhatsAppTemplate, event: QualityUpdate, *, occurred_at: datetime, context: Context
) -> tuple[Result, str]:
    previous_quality = template.quality_score
    new_quality = str(event.new_quality)
    template.quality_score = new_quality
    template.quality_updated_at = occurred_at
    template.save()
    if previous_quality == new_quality:
        return Result.UNCHANGED, f"quality stays {new_quality}"
    _announce(
        template,
        ChangeKind.QUALITY,
        previous=previous_quality,
        new=new_quality,
        what_happened="QUALITY_CHANGE",
        reason=quality_sentence(previous_quality, new_quality, event.reasons),
        reason_code=", ".join(event.reasons),
        occurred_at=occurred_at,
        context=context,
    )
    return Result.APPLIED, f"quality {previous_quality} → {new_quality}"


def _apply_category(
    template: WhatsAppTemplate, event: CategoryUpdate, *, occurred_at: datetime, context: Context
) -> tuple[Result, str]:
    previous_category = template.category
    previous_upcoming = (template.upcoming_category, template.category_change_at)
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
        when = event.category_change_at.isoformat() if event.category_change_at else "?"
        if previous_upcoming == (template.upcoming_category, template.category_change_at):
            return Result.UNCHANGED, f"category change to {template.upcoming_category} known"
        _announce(
            template,
            ChangeKind.CATEGORY,
            previous=template.category,
            new=template.upcoming_category,
            what_happened="CATEGORY_CHANGE_ANNOUNCED",
            reason=(
                f"Meta will change the category from {template.category or 'none'} to "
                f"{template.upcoming_category} on {when}"
            ),
            occurred_at=occurred_at,
            context=context,
            details={"effective_at": when},
        )
        return Result.APPLIED, (
            f"category {template.category} becomes {template.upcoming_category} at {when}"
        )
    if previous_category == template.category:
        return Result.UNCHANGED, f"category stays {template.category}"
    _announce(
        template,
        ChangeKind.CATEGORY,
        previous=previous_category,
        new=template.category,
        what_happened="CATEGORY_CHANGED",
        reason=f"Meta changed the category from {previous_category or 'none'} to "
        f"{template.category}",
        occurred_at=occurred_at,
        context=context,
    )
    return Result.APPLIED, f"category {previous_category or '?'} → {template.category}"


def _apply_correct_category(
    template: WhatsAppTemplate,
    event: CorrectCategoryDetection,
    *,
    occurred_at: datetime,
    context: Context,
) -> tuple[Result, str]:
    previous = template.correct_category
    template.correct_category = event.correct_category
    template.correct_category_detected_at = occurred_at
    template.save()
    if previous == event.correct_category:
        return Result.UNCHANGED, f"correct category stays {event.correct_category}"
    sent_as = event.category or template.category or "its category"
    _announce(
        template,
        ChangeKind.CORRECT_CATEGORY,
        previous=previous,
        new=event.correct_category,
        what_happened="CORRECT_CATEGORY_DETECTED",
        reason=(
            f"Meta found that this template, sent as {sent_as}, is really "
            f"{event.correct_category}; its messages are charged as {event.correct_category}"
        ),
        occurred_at=occurred_at,
        context=context,
        details={"category": sent_as},
    )
    return Result.APPLIED, f"correct category {event.correct_category} (sent as {sent_as})"


def _apply_components(
    template: WhatsAppTemplate, event: ComponentsUpdate, *, occurred_at: datetime, context: Context
) -> tuple[Result, str]:
    previous = template.components
    components = event.as_components()
    template.components = components
    template.save()
    if previous == components:
        return Result.UNCHANGED, "components unchanged"
    _announce(
        template,
        ChangeKind.COMPONENTS,
        previous=_summary(previous),
        new=_summary(components),
        what_happened="COMPONENTS_CHANGED",
        reason="Meta updated the template's content",
        occurred_at=occurred_at,
        context=context,
    )
    return Result.APPLIED, "components updated"


def _summary(components: Any) -> str:
    return json.dumps(components, ensure_ascii=False, sort_keys=True) if components else ""


def _announce(
    template: WhatsAppTemplate,
    kind: ChangeKind,
    *,
    previous: str,
    new: str,
    what_happened: str,
    reason: str,
    occurred_at: datetime,
    context: Context,
    reason_code: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    send_template_change(
        TemplateChange(
            template=template,
            kind=kind,
            previous=previous,
            new=new,
            what_happened=what_happened,
            reason=reason,
            reason_code=reason_code,
            occurred_at=occurred_at,
            source=context.source,
            delivery_id=context.delivery_id,
            details=details or {},
        )
    )


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
    CorrectCategoryDetection: Dimension(
        "correct category",
        Field.CORRECT_CATEGORY,
        "correct_category_detected_at",
        _apply_correct_category,
    ),
    ComponentsUpdate: Dimension(
        "components", Field.COMPONENTS, "components_event_at", _apply_components
    ),
}
