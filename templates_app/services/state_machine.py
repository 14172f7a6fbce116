"""The template state machine, shared by Meta's webhook and the sync: a unit of work's events
folded over their templates.

`apply_events` takes the events of one unit of work (a delivery, a template of a sync) in order,
folds each over its template in memory, writes each changed template once, and returns each
event's outcome and the `TemplateChange`s it made, for the caller to hand to the reaction list
(`templates_app.changes`). Each dimension of a template (status, quality, category, correct
category, components) is ordered on its own: an event older than the last one applied to its
dimension is stale and changes nothing. An event naming a template nobody knows is ignored, and
its outcome says which account to sync; asking for the sync is the caller's business.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeAlias

from django.db.models import Q
from django.utils import timezone

from pytake.db import update_many
from templates_app.changes import (
    ChangeKind,
    ChangeSource,
    TemplateChange,
    react_to_template_changes,
)
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
    # What Meta sent that was kept aside (e.g. a button of an unknown type).
    warnings: tuple[str, ...] = ()
    # An unknown template's business account, for the caller to sync; never recorded.
    account_to_sync: BusinessAccount | None = field(default=None, compare=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "field": self.field,
            "result": str(self.result),
            "detail": self.detail,
            "template_id": self.template_id,
            "warnings": list(self.warnings),
        }


# Events for which an unknown template is learned: Meta's news of a template created in its manager.
CREATING_EVENTS = frozenset({StatusEvent.APPROVED, StatusEvent.PENDING, StatusEvent.REJECTED})

# A status event names the status it moves to, except these, which depend on the template.
STATUS_OF_EVENT: dict[StatusEvent, TemplateStatus] = {
    **{StatusEvent(status.value): status for status in TemplateStatus},
    StatusEvent.REINSTATED: TemplateStatus.APPROVED,
}


# What one change leaves: its result, a line for the delivery's outcome, and what to announce.
Applied: TypeAlias = tuple[Result, str, TemplateChange | None]

COLUMNS = [
    field
    for field in WhatsAppTemplate._meta.concrete_fields
    if not field.primary_key and field.name != "updated_at"
]


@dataclass(frozen=True, slots=True)
class Context:
    """Where an event came from: passed to every change it makes."""

    source: ChangeSource
    delivery_id: int | None


@dataclass(frozen=True, slots=True)
class AppliedEvents:
    """What a unit of work's events did: an outcome per event, in order, and the changes to
    hand to the reaction list."""

    outcomes: list[ChangeOutcome]
    changes: list[TemplateChange]


def apply_events(
    events: Sequence[TemplateEvent],
    *,
    received_at: datetime,
    delivery_id: int | None = None,
    source: ChangeSource = ChangeSource.META,
    templates: TemplateFinder | None = None,
) -> AppliedEvents:
    """Fold `events`, in order, over their templates; write each changed template once.

    Call it inside a transaction: the row locks belong to the caller's. `templates` holds the
    rows the events name, already fetched and locked together (`TemplateFinder.lock_for`);
    without it they are looked up here.
    """
    templates = templates or TemplateFinder.lock_for(events)
    writes = TemplateWrites()
    outcomes: list[ChangeOutcome] = []
    changes: list[TemplateChange] = []
    for event in events:
        outcome, change = _fold(
            event,
            received_at=received_at,
            context=Context(source, delivery_id),
            templates=templates,
            writes=writes,
        )
        outcomes.append(outcome)
        if change is not None:
            changes.append(change)
    writes.save()
    return AppliedEvents(outcomes, changes)


def apply_template_event(
    *,
    event: TemplateEvent,
    received_at: datetime,
    delivery_id: int | None = None,
    source: ChangeSource = ChangeSource.META,
    templates: TemplateFinder | None = None,
) -> ChangeOutcome:
    """One event as a unit of work of its own: applied, then the reaction list for its change."""
    applied = apply_events(
        [event],
        received_at=received_at,
        delivery_id=delivery_id,
        source=source,
        templates=templates,
    )
    react_to_template_changes(applied.changes)
    return applied.outcomes[0]


def _fold(
    event: TemplateEvent,
    *,
    received_at: datetime,
    context: Context,
    templates: TemplateFinder,
    writes: TemplateWrites,
) -> tuple[ChangeOutcome, TemplateChange | None]:
    dimension = DIMENSIONS[type(event)]
    field = dimension.field
    account = templates.account(event.waba_id)
    if account is None:
        return _ignored(event, field, f"unknown WABA {event.waba_id}"), None
    template = templates.find(event) or templates.learn(event)
    if template is None:
        ignored = _ignored(event, field, f"unknown template {_describe(event.template)}")
        return dataclasses.replace(ignored, account_to_sync=account), None
    if event.occurred_at is None:
        # Meta gave no time: the receipt time stands in, for this service and every reaction.
        event = dataclasses.replace(event, occurred_at=received_at)
    occurred_at = event.occurred_at
    last_applied_at = getattr(template, dimension.applied_at)
    change = None
    if _is_stale(last_applied_at, occurred_at):
        result, detail = (
            Result.STALE,
            f"{dimension.name} event of {occurred_at.isoformat()} is older than the last one "
            f"applied ({last_applied_at.isoformat()})",
        )
    else:
        writes.touch(template)
        setattr(template, dimension.applied_at, occurred_at)
        result, detail, change = dimension.apply(
            template, event, occurred_at=occurred_at, context=context
        )
    outcome = ChangeOutcome(
        event.position, field, result, detail, str(template.pk), tuple(event.warnings)
    )
    return outcome, change


def _column_values(template: WhatsAppTemplate) -> dict[str, Any]:
    return {field.attname: getattr(template, field.attname) for field in COLUMNS}


class TemplateWrites:
    """The templates a unit of work changed, each written once at its end, with only the
    columns that changed: a row of 40 columns need not be sent back whole."""

    def __init__(self) -> None:
        self._before: dict[Any, tuple[WhatsAppTemplate, dict[str, Any]]] = {}

    def touch(self, template: WhatsAppTemplate) -> None:
        """Remember the template's columns before the unit of work's first change to it."""
        if template.pk not in self._before:
            self._before[template.pk] = (template, _column_values(template))

    def save(self) -> None:
        changed: dict[Any, list[str]] = {}
        for pk, (template, before) in self._before.items():
            names = [name for name, value in before.items() if getattr(template, name) != value]
            if names:
                changed[pk] = names
        if not changed:
            return
        if len(changed) == 1:
            [(pk, names)] = changed.items()
            self._before[pk][0].save(update_fields=[*names, "updated_at"])
            return
        now = timezone.now()
        rows = [self._before[pk][0] for pk in changed]
        for template in rows:
            template.updated_at = now
        columns = sorted({name for names in changed.values() for name in names})
        update_many(rows, [*columns, "updated_at"])


def field_of(event: TemplateEvent) -> str:
    """Meta's `field` the event came under."""
    return DIMENSIONS[type(event)].field


def _ignored(event: TemplateEvent, field: str, reason: str) -> ChangeOutcome:
    logger.warning("Meta change %s ignored: %s", event.position, reason)
    return ChangeOutcome(event.position, field, Result.IGNORED, reason, None, tuple(event.warnings))


def _describe(ref: TemplateRef) -> str:
    return f"{ref.name or '?'} ({ref.language or '?'}) id {ref.meta_template_id or '?'}"


def _language_key(code: str | None) -> str:
    return canonical_language(code or "").lower()


class TemplateFinder:
    """The templates a batch of events names, fetched and locked together.

    One query locks every live template the events name by Meta id or by name, with its
    business account, in primary-key order so that two deliveries never deadlock; a second finds
    only the accounts none of whose templates was named. Finding a
    template (`find`) and learning one Meta created in its manager (`learn`) are separate steps.
    """

    def __init__(
        self, accounts: dict[str, BusinessAccount], templates: list[WhatsAppTemplate]
    ) -> None:
        self._accounts = accounts
        self._templates = templates
        # Most events name the template by Meta's id: found without a scan of the batch's rows.
        self._by_meta_id = {
            (t.business_account_id, t.meta_template_id): t for t in templates if t.meta_template_id
        }

    @classmethod
    def lock_for(cls, events: Iterable[TemplateEvent]) -> TemplateFinder:
        events = list(events)
        waba_ids = {event.waba_id for event in events}
        if not waba_ids:
            return cls({}, [])
        meta_ids = {e.template.meta_template_id for e in events if e.template.meta_template_id}
        names = {e.template.name for e in events if e.template.name}
        # Each template comes with its account and number (its guidance, in the live message,
        # reads them); only the templates' rows are locked.
        templates = list(
            WhatsAppTemplate.objects.select_for_update(of=("self",))
            .select_related("business_account", "phone_number")
            .filter(
                # A released account lost its WABA id to the organization that proved it owns it.
                business_account__waba_id__in=waba_ids,
                business_account__released_at__isnull=True,
                deleted_at__isnull=True,
            )
            .filter(Q(meta_template_id__in=meta_ids) | Q(name__in=names))
            .order_by("pk")
        )
        accounts: dict[str, BusinessAccount] = {}
        for template in templates:
            account = accounts.setdefault(
                template.business_account.waba_id, template.business_account
            )
            template.business_account = account
        unseen = waba_ids - accounts.keys()
        if unseen:
            # A WABA none of whose templates was named: an unknown template, or one to learn.
            live = BusinessAccount.objects.filter(waba_id__in=unseen, released_at__isnull=True)
            accounts.update((account.waba_id, account) for account in live)
        return cls(accounts, templates)

    def account(self, waba_id: str) -> BusinessAccount | None:
        return self._accounts.get(waba_id)

    def find(self, event: TemplateEvent) -> WhatsAppTemplate | None:
        """Meta's template id, else name + language, else the only namesake of no language.

        A template found by name learns its Meta id.
        """
        account = self._accounts[event.waba_id]
        ref = event.template
        if ref.meta_template_id:
            known = self._by_meta_id.get((account.pk, ref.meta_template_id))
            if known is not None:
                return known
        live = [t for t in self._templates if t.business_account_id == account.pk]
        if ref.meta_template_id:
            # By name only a template Meta has not numbered yet: another id is another template.
            live = [t for t in live if t.meta_template_id is None]
        if not ref.name:
            return None
        same_name = [t for t in live if t.name == ref.name]
        template = None
        if ref.language:
            language = _language_key(ref.language)
            template = next((t for t in same_name if _language_key(t.language) == language), None)
            if template is None:
                # Another language is another template: only one stored without a language fits.
                same_name = [t for t in same_name if t.language == ""]
        if template is None and len(same_name) == 1:
            template = same_name[0]
        if template is not None and ref.meta_template_id:
            template.meta_template_id = ref.meta_template_id
            template.save(update_fields=["meta_template_id", "updated_at"])
            self._by_meta_id[(account.pk, ref.meta_template_id)] = template
        return template

    def learn(self, event: TemplateEvent) -> WhatsAppTemplate | None:
        """Create the template an APPROVED, PENDING or REJECTED event tells of, if it is new.

        Meta lets a deleted template's name be used again, under a new id: the DELETED namesake
        is archived here (`deleted_at`). A live namesake under another Meta id is left alone.
        """
        ref = event.template
        if not (isinstance(event, StatusUpdate) and event.event in CREATING_EVENTS and ref.name):
            return None
        account = self._accounts[event.waba_id]
        language = _language_key(ref.language)
        namesakes = [
            t
            for t in self._templates
            if t.business_account_id == account.pk
            and t.name == ref.name
            and _language_key(t.language) == language
        ]
        deleted = [t for t in namesakes if t.status == TemplateStatus.DELETED]
        if deleted:
            WhatsAppTemplate.objects.filter(pk__in=[t.pk for t in deleted]).update(
                deleted_at=timezone.now()
            )
            self._templates = [t for t in self._templates if t not in deleted]
            for archived in deleted:
                self._by_meta_id.pop((account.pk, archived.meta_template_id), None)
        if len(namesakes) > len(deleted):
            return None
        template = WhatsAppTemplate.objects.create(
            organization_id=account.organization_id,
            business_account=account,
            meta_template_id=ref.meta_template_id,
            name=ref.name,
            language=canonical_language(ref.language or ""),
            category=event.category or "",
        )
        self._templates.append(template)
        if template.meta_template_id:
            self._by_meta_id[(account.pk, template.meta_template_id)] = template
        return template


def _is_stale(last_applied_at: datetime | None, occurred_at: datetime) -> bool:
    return last_applied_at is not None and occurred_at < last_applied_at


def _apply_status(
    template: WhatsAppTemplate, event: StatusUpdate, *, occurred_at: datetime, context: Context
) -> Applied:
    previous_status = template.status
    previous_title = template.paused_title
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
    elif new_status == TemplateStatus.FLAGGED:
        # The day Meta disables it unless its quality recovers.
        template.disable_date = event.disable_date
    elif new_status == TemplateStatus.ARCHIVED and previous_status != TemplateStatus.ARCHIVED:
        template.status_before_archive = previous_status

    template.status = new_status
    if event.category and not _is_stale(template.category_event_at, occurred_at):
        template.category = event.category
        template.category_event_at = occurred_at

    if previous_status == new_status and not _is_new_pause(previous_title, event):
        return Result.UNCHANGED, f"status stays {new_status}", None
    reason = status_sentence(
        str(event.event),
        reason_code=reason_code,
        pause_title=event.other_info_title,
        description=event.other_info_description,
        rejection_reason=event.rejection_reason,
    )
    change = _change(
        template,
        ChangeKind.STATUS,
        previous=previous_status,
        new=new_status,
        what_happened=str(event.event),
        reason=reason,
        reason_code=reason_code,
        occurred_at=occurred_at,
        context=context,
        details=_pause_details(event),
    )
    return Result.APPLIED, f"status {previous_status} → {new_status}", change


def _is_new_pause(previous_title: str, event: StatusUpdate) -> bool:
    """A paused template paused again under another title (a SECOND_PAUSE whose UNPAUSE was
    lost) is a step up Meta's ladder, not a repeat."""
    return (
        event.event is StatusEvent.PAUSED
        and bool(event.other_info_title)
        and (event.other_info_title or "").upper() != previous_title.upper()
    )


def _pause_details(event: StatusUpdate) -> dict[str, Any]:
    """Meta's pause title and description, and a flag's disable date, for the pause ladder."""
    details: dict[str, Any] = {}
    if event.other_info_title:
        details["pause_title"] = event.other_info_title.upper()
    if event.other_info_description:
        details["pause_description"] = event.other_info_description
    if event.disable_date is not None:
        details["disable_date"] = event.disable_date
    return details


def _apply_quality(
    template: WhatsAppTemplate, event: QualityUpdate, *, occurred_at: datetime, context: Context
) -> Applied:
    previous_quality = template.quality_score
    new_quality = str(event.new_quality)
    template.quality_score = new_quality
    template.quality_updated_at = occurred_at
    if previous_quality == new_quality:
        return Result.UNCHANGED, f"quality stays {new_quality}", None
    change = _change(
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
    return Result.APPLIED, f"quality {previous_quality} → {new_quality}", change


def _apply_category(
    template: WhatsAppTemplate, event: CategoryUpdate, *, occurred_at: datetime, context: Context
) -> Applied:
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
    if event.is_announcement:
        when = event.category_change_at.isoformat() if event.category_change_at else "?"
        if previous_upcoming == (template.upcoming_category, template.category_change_at):
            return Result.UNCHANGED, f"category change to {template.upcoming_category} known", None
        change = _change(
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
        return (
            Result.APPLIED,
            f"category {template.category} becomes {template.upcoming_category} at {when}",
            change,
        )
    if previous_category == template.category:
        return Result.UNCHANGED, f"category stays {template.category}", None
    change = _change(
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
    return Result.APPLIED, f"category {previous_category or '?'} → {template.category}", change


def _apply_correct_category(
    template: WhatsAppTemplate,
    event: CorrectCategoryDetection,
    *,
    occurred_at: datetime,
    context: Context,
) -> Applied:
    previous = template.correct_category
    template.correct_category = event.correct_category
    template.correct_category_detected_at = occurred_at
    if previous == event.correct_category:
        return Result.UNCHANGED, f"correct category stays {event.correct_category}", None
    sent_as = event.category or template.category or "its category"
    change = _change(
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
    return Result.APPLIED, f"correct category {event.correct_category} (sent as {sent_as})", change


def _apply_components(
    template: WhatsAppTemplate, event: ComponentsUpdate, *, occurred_at: datetime, context: Context
) -> Applied:
    previous = template.components
    components = event.as_components()
    template.components = components
    if previous == components:
        return Result.UNCHANGED, "components unchanged", None
    change = _change(
        template,
        ChangeKind.COMPONENTS,
        previous=_summary(previous),
        new=_summary(components),
        what_happened="COMPONENTS_CHANGED",
        reason="Meta updated the template's content",
        occurred_at=occurred_at,
        context=context,
    )
    return Result.APPLIED, "components updated", change


def _summary(components: Any) -> str:
    return json.dumps(components, ensure_ascii=False, sort_keys=True) if components else ""


def _change(
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
) -> TemplateChange:
    return TemplateChange(
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


@dataclass(frozen=True, slots=True)
class Dimension:
    """What one kind of event changes, and where the time of the last one applied is kept."""

    name: str
    field: str
    applied_at: str
    apply: Callable[..., Applied]


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
