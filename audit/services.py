"""The one writer of the audit trail: every entry is inserted here and never changed.

Two ways in, one table: `record` (one entry, for a service acting for a person) and
`record_many` (entries built in Python, one INSERT: a unit of work's reactions).

`changes` maps each field that changed to `[before, after]`; a plain value beside them is that
field's value at the time (e.g. the template's quality when its status changed), and `"event"`
names Meta's event when Meta caused the change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.db import models
from django.utils.text import capfirst

from audit.actions import Action
from audit.models import AuditLog
from pytake.db import insert_many, insert_values

if TYPE_CHECKING:
    from organizations.models import User
    from templates_app.changes import BusinessAccountEvent, TemplateChange


class TargetType(StrEnum):
    TEMPLATE = "template"
    CAMPAIGN = "campaign"
    ALERT = "alert"
    BUSINESS_ACCOUNT = "business_account"
    PHONE_NUMBER = "phone_number"


# Meta's events on a template, the ones its status history shows.
TEMPLATE_HISTORY_ACTIONS = (Action.TEMPLATE_STATUS_CHANGED, Action.TEMPLATE_QUALITY_CHANGED)


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One entry to append; `actor_id` is set only when a person acted."""

    organization_id: UUID
    actor_type: AuditLog.ActorType
    actor_id: UUID | None = None
    action: str
    target_type: str
    target_id: str
    target_name: str = ""
    changes: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""
    event_at: datetime | None = None
    delivery_id: int | None = None

    def __post_init__(self) -> None:
        if (self.actor_type == AuditLog.ActorType.USER) != (self.actor_id is not None):
            raise ValueError("An entry names a user exactly when its actor type is user.")


def actor_type_of(actor: User | None) -> AuditLog.ActorType:
    """A person when one is named, else the system itself."""
    return AuditLog.ActorType.USER if actor is not None else AuditLog.ActorType.SYSTEM


def record(
    *,
    organization_id: UUID,
    actor_type: AuditLog.ActorType,
    actor: User | None = None,
    action: str,
    target_type: str,
    target_id: Any,
    target_name: str = "",
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
    event_at: datetime | None = None,
    delivery_id: int | None = None,
) -> AuditLog:
    """Append one entry. `actor` is the person who acted (with actor type `user`)."""
    entry = Entry(
        organization_id=organization_id,
        actor_type=actor_type,
        actor_id=actor.pk if actor is not None else None,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        target_name=target_name,
        changes=changes or {},
        reason=reason or "",
        event_at=event_at,
        delivery_id=delivery_id,
    )
    return record_many([entry])[0]


def record_many(entries: Iterable[Entry]) -> list[AuditLog]:
    """Append entries built in Python, in one INSERT."""
    return insert_many([_row(entry) for entry in entries])


def record_unread(entries: Iterable[Entry]) -> int:
    """Append entries nobody reads back, in one INSERT, without a model instance each (a
    delivery's reactions write thousands); returns how many."""
    rows = [
        [
            entry.organization_id,
            entry.actor_type,
            entry.actor_id,
            entry.action,
            entry.target_type,
            entry.target_id,
            entry.target_name[:600],
            dict(entry.changes),
            entry.reason,
            entry.event_at,
            entry.delivery_id,
        ]
        for entry in entries
    ]
    insert_values(AuditLog, UNREAD_COLUMNS, rows)
    return len(rows)


UNREAD_COLUMNS = [
    "organization",
    "actor_type",
    "actor",
    "action",
    "target_type",
    "target_id",
    "target_name",
    "changes",
    "reason",
    "event_at",
    "delivery_id",
]


def _row(entry: Entry) -> AuditLog:
    return AuditLog(
        organization_id=entry.organization_id,
        actor_type=entry.actor_type,
        actor_id=entry.actor_id,
        action=entry.action,
        target_type=entry.target_type,
        target_id=entry.target_id,
        target_name=entry.target_name[:600],
        changes=dict(entry.changes),
        reason=entry.reason,
        event_at=entry.event_at,
        delivery_id=entry.delivery_id,
    )


# --- template changes (Meta's webhook, a sync) ---------------------------------------------------

# The audit action of each kind of template change (`templates_app.changes.ChangeKind`).
TEMPLATE_CHANGE_ACTIONS: dict[str, Action] = {
    "status": Action.TEMPLATE_STATUS_CHANGED,
    "quality": Action.TEMPLATE_QUALITY_CHANGED,
    "category": Action.TEMPLATE_CATEGORY_CHANGED,
    "correct_category": Action.TEMPLATE_CORRECT_CATEGORY_DETECTED,
    "components": Action.TEMPLATE_COMPONENTS_CHANGED,
}

# Beside a status change the quality at the time, beside a quality change the status.
TEMPLATE_CONTEXT_FIELDS: dict[str, str] = {"status": "quality_score", "quality": "status"}
CHANGED_FIELD_OF_KIND: dict[str, str] = {"quality": "quality_score"}


def actor_type_of_source(source: str) -> AuditLog.ActorType:
    """Who acted, for a template change: Meta, a sync with Meta, or a person."""
    return AuditLog.ActorType(source)


def template_change_entry(change: TemplateChange) -> Entry:
    """The entry of a template's change: its status, quality, category, correct category or
    components changed, or a person deleted it."""
    template = change.template
    kind = str(change.kind)
    if kind == "deleted":
        return Entry(
            organization_id=template.organization_id,
            actor_type=actor_type_of(change.actor),
            actor_id=change.actor.pk if change.actor is not None else None,
            action=Action.TEMPLATE_DELETED,
            target_type=TargetType.TEMPLATE,
            target_id=str(template.pk),
            target_name=str(template),
            changes={"status": change.status},
        )
    if kind == "unpause_requested":
        return Entry(
            organization_id=template.organization_id,
            actor_type=actor_type_of(change.actor),
            actor_id=change.actor.pk if change.actor is not None else None,
            action=Action.TEMPLATE_UNPAUSE_REQUESTED,
            target_type=TargetType.TEMPLATE,
            target_id=str(template.pk),
            target_name=str(template),
            changes={"status": change.status, **change.details},
            reason=change.reason,
            event_at=change.occurred_at,
        )
    changes: dict[str, Any] = {
        "event": change.what_happened,
        CHANGED_FIELD_OF_KIND.get(kind, kind): [change.previous, change.new],
    }
    if kind in TEMPLATE_CONTEXT_FIELDS:
        # The template's other dimension as it stood just after this change.
        context_field = TEMPLATE_CONTEXT_FIELDS[kind]
        changes[context_field] = getattr(change, context_field)
    return Entry(
        organization_id=template.organization_id,
        actor_type=actor_type_of_source(change.source),
        action=TEMPLATE_CHANGE_ACTIONS[kind],
        target_type=TargetType.TEMPLATE,
        target_id=str(template.pk),
        target_name=str(template),
        changes=changes,
        reason=change.reason,
        event_at=change.occurred_at,
        delivery_id=change.delivery_id,
    )


ACCOUNT_EVENT_ACTIONS: dict[str, Action] = {
    "token_invalid": Action.ACCOUNT_TOKEN_INVALID,
    "claimed": Action.ACCOUNT_CLAIMED,
    "released": Action.ACCOUNT_RELEASED,
}


def account_event_entry(event: BusinessAccountEvent) -> Entry:
    """A business account's token stopped working, or its WABA id was claimed or released."""
    account = event.account
    changes: dict[str, Any] = {"waba_id": account.waba_id, **event.details}
    if event.other_account is not None:
        changes["other_organization_id"] = str(event.other_account.organization_id)
    # Only the claimer's own entry names the person: the released organization sees the system.
    person = event.actor if event.actor is not None and event.kind == "claimed" else None
    if person is not None:
        actor_type = AuditLog.ActorType.USER
    elif event.kind == "token_invalid":
        actor_type = AuditLog.ActorType.SYNC
    else:
        actor_type = AuditLog.ActorType.SYSTEM
    return Entry(
        organization_id=account.organization_id,
        actor_type=actor_type,
        actor_id=person.pk if person is not None else None,
        action=ACCOUNT_EVENT_ACTIONS[str(event.kind)],
        target_type=TargetType.BUSINESS_ACCOUNT,
        target_id=str(account.pk),
        target_name=str(account),
        changes=changes,
        reason=event.reason,
        event_at=event.occurred_at,
    )


# --- changes made in the Django admin -----------------------------------------------------------

# The admin's log entries worth an audit entry: (app label, model) → target type.
ADMIN_AUDITED_MODELS: dict[tuple[str, str], TargetType] = {
    ("templates_app", "whatsapptemplate"): TargetType.TEMPLATE,
    ("campaigns", "campaign"): TargetType.CAMPAIGN,
}
# Deletions are not among them: the services that soft-delete record them, with the person.
ADMIN_ACTIONS: dict[tuple[TargetType, int], Action] = {
    (TargetType.TEMPLATE, ADDITION): Action.TEMPLATE_ADDED_IN_ADMIN,
    (TargetType.TEMPLATE, CHANGE): Action.TEMPLATE_CHANGED_IN_ADMIN,
    (TargetType.CAMPAIGN, ADDITION): Action.CAMPAIGN_ADDED_IN_ADMIN,
    (TargetType.CAMPAIGN, CHANGE): Action.CAMPAIGN_CHANGED_IN_ADMIN,
}


def record_admin_change(*, log_entry: LogEntry) -> AuditLog | None:
    """A person added, changed or deleted a template or campaign in the Django admin.

    The admin's log entry names the fields the form changed; the entry keeps their values
    after the change (the admin saves the object before it logs), and the admin's own message.
    """
    content_type = log_entry.content_type
    if content_type is None:
        return None
    target_type = ADMIN_AUDITED_MODELS.get((content_type.app_label, content_type.model))
    action = ADMIN_ACTIONS.get((target_type, log_entry.action_flag))
    if action is None:
        return None
    model = content_type.model_class()
    target = model._default_manager.filter(pk=log_entry.object_id).first() if model else None
    if target is None:
        return None
    return record(
        organization_id=target.organization_id,
        actor_type=AuditLog.ActorType.USER,
        actor=log_entry.user,
        action=action,
        target_type=target_type,
        target_id=target.pk,
        target_name=str(target),
        changes=_admin_changed_values(log_entry, target),
        reason=log_entry.get_change_message() or str(log_entry),
    )


def _admin_changed_values(log_entry: LogEntry, target: models.Model) -> dict[str, Any]:
    """{"fields": {name: value after the change}} for what the admin form changed or added."""
    concrete_fields = [f for f in target._meta.concrete_fields if f.editable]
    if log_entry.action_flag == ADDITION:
        changed = concrete_fields
    else:
        labels = set()
        for message in _change_messages(log_entry):
            labels.update(message.get("changed", {}).get("fields", []))
        changed = [f for f in concrete_fields if str(capfirst(f.verbose_name)) in labels]
    values = {model_field.name: model_field.value_to_string(target) for model_field in changed}
    return {"fields": values} if values else {}


def _change_messages(log_entry: LogEntry) -> list[dict[str, Any]]:
    # The admin stores a JSON list; older or hand-written entries hold plain text.
    try:
        messages = json.loads(log_entry.change_message or "[]")
    except json.JSONDecodeError:
        return []
    return (
        [message for message in messages if isinstance(message, dict)]
        if isinstance(messages, list)
        else []
    )


def sending_path_entry(change: Any) -> Entry:
    """A number's or account's news (`SendingPathChange`), in Meta's event and a sentence."""
    number = change.phone_number
    expired = change.what_happened == "RESTRICTION_EXPIRED"
    return Entry(
        organization_id=change.account.organization_id,
        actor_type=AuditLog.ActorType.SYSTEM if expired else AuditLog.ActorType(change.source),
        action=Action.NUMBER_SENDING_PATH_CHANGED
        if number is not None
        else Action.ACCOUNT_SENDING_PATH_CHANGED,
        target_type=TargetType.PHONE_NUMBER if number is not None else TargetType.BUSINESS_ACCOUNT,
        target_id=str(number.pk if number is not None else change.account.pk),
        target_name=str(number if number is not None else change.account),
        changes={
            "event": change.what_happened,
            str(change.kind): [change.previous, change.new],
        },
        reason=change.sentence,
        event_at=change.occurred_at,
        delivery_id=change.delivery_id,
    )
