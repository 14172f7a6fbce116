"""The one writer of the audit trail: every entry is inserted here and never changed.

Three ways in, one table: `record` (one entry), `record_many` (entries built in Python, one
INSERT) and `record_rows` (one entry per row of a queryset, built by the database).

`changes` maps each field that changed to `[before, after]`; a plain value beside them is that
field's value at the time (e.g. the template's quality when its status changed), and `"event"`
names Meta's event when Meta caused the change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.db import connections, models, transaction
from django.db.models import (
    BigIntegerField,
    CharField,
    DateTimeField,
    Expression,
    Func,
    QuerySet,
    UUIDField,
    Value,
)
from django.db.models.functions import Cast, JSONObject
from django.utils import timezone
from django.utils.text import capfirst

from audit.models import AuditLog
from pytake import bulk_writes

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

    from organizations.models import User
    from templates_app.signals import BusinessAccountEvent, TemplateChange


class Action(StrEnum):
    TEMPLATE_STATUS_CHANGED = "template.status_changed"
    TEMPLATE_QUALITY_CHANGED = "template.quality_changed"
    TEMPLATE_CATEGORY_CHANGED = "template.category_changed"
    TEMPLATE_CORRECT_CATEGORY_DETECTED = "template.correct_category_detected"
    TEMPLATE_COMPONENTS_CHANGED = "template.components_changed"
    TEMPLATE_ADDED_IN_ADMIN = "template.admin_added"
    TEMPLATE_CHANGED_IN_ADMIN = "template.admin_changed"
    TEMPLATE_DELETED_IN_ADMIN = "template.admin_deleted"
    TEMPLATE_DELETED = "template.deleted"
    CAMPAIGN_PAUSED = "campaign.paused"
    CAMPAIGN_RESUMED = "campaign.resumed"
    CAMPAIGN_CANCELLED = "campaign.cancelled"
    CAMPAIGN_DELETED = "campaign.deleted"
    CAMPAIGN_ADDED_IN_ADMIN = "campaign.admin_added"
    CAMPAIGN_CHANGED_IN_ADMIN = "campaign.admin_changed"
    CAMPAIGN_DELETED_IN_ADMIN = "campaign.admin_deleted"
    ALERT_ACKNOWLEDGED = "alert.acknowledged"
    ALERT_RESOLVED = "alert.resolved"
    ACCOUNT_TOKEN_INVALID = "business_account.token_invalid"
    ACCOUNT_CLAIMED = "business_account.claimed"
    ACCOUNT_RELEASED = "business_account.released"


class TargetType(StrEnum):
    TEMPLATE = "template"
    CAMPAIGN = "campaign"
    ALERT = "alert"
    BUSINESS_ACCOUNT = "business_account"


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
    """Append entries built in Python, in one INSERT (held back inside `bulk_writes.collecting`,
    to go with the unit of work's other entries)."""
    rows = [
        AuditLog(
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
        for entry in entries
    ]
    return list(bulk_writes.insert(rows))


class UUIDText(Func):
    """A UUID as `str(uuid)` spells it (with hyphens), however the database stores it."""

    output_field = CharField()

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, Sequence[Any]]:
        return compiler.compile(Cast(self.source_expressions[0], CharField()))

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, Sequence[Any]]:
        # SQLite keeps 32 hex digits: put the hyphens back, 8-4-4-4-12.
        sql, params = compiler.compile(self.source_expressions[0])
        parts = [f"substr({sql}, {start}, {length})" for start, length in UUID_PARTS]
        return " || '-' || ".join(parts), list(params) * len(parts)


UUID_PARTS = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))


def record_rows(
    rows: QuerySet,
    *,
    organization_id: UUID,
    actor_type: AuditLog.ActorType,
    action: str,
    target_type: str,
    target_name: Expression,
    changes: Mapping[str, Expression],
    reason: str,
    event_at: datetime,
    delivery_id: int | None = None,
) -> int:
    """Append one entry per row of `rows`, each row its target, in one INSERT … SELECT.

    For thousands of targets at once (a template's campaigns): the database builds the
    entries, so no row makes a round trip through Python. `target_name` and the values of
    `changes` are expressions on the row; the rest is the same for every entry. A locking
    queryset (`select_for_update()`) locks the rows it records. Returns the number appended.
    """
    columns: dict[str, Expression] = {
        "organization_id": Value(organization_id, output_field=UUIDField()),
        "actor_type": Value(str(actor_type)),
        "actor_id": Value(None, output_field=UUIDField()),
        "action": Value(str(action)),
        "target_type": Value(str(target_type)),
        "target_id": UUIDText("pk"),
        "target_name": target_name,
        "changes": JSONObject(**changes),
        "reason": Value(reason),
        "event_at": Value(event_at, output_field=DateTimeField()),
        "delivery_id": Value(delivery_id, output_field=BigIntegerField()),
        "created_at": Value(timezone.now(), output_field=DateTimeField()),
    }
    select = rows.order_by().values(**{f"audit_{name}": expr for name, expr in columns.items()})
    select_sql, params = select.query.get_compiler(using=rows.db).as_sql()
    quote = connections[rows.db].ops.quote_name
    insert_sql = (
        f"INSERT INTO {quote(AuditLog._meta.db_table)} "
        f"({', '.join(quote(AuditLog._meta.get_field(name).column) for name in columns)}) "
        f"{select_sql}"
    )
    with connections[rows.db].cursor() as cursor:
        cursor.execute(insert_sql, params)
        return cursor.rowcount


# --- template changes (Meta's webhook, a sync) ---------------------------------------------------

# The audit action of each kind of template change (`templates_app.signals.ChangeKind`).
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


@transaction.atomic(savepoint=False)
def record_template_change(*, change: TemplateChange) -> AuditLog:
    """A template's status, quality, category, correct category or components changed."""
    template = change.template
    kind = str(change.kind)
    changes: dict[str, Any] = {
        "event": change.what_happened,
        CHANGED_FIELD_OF_KIND.get(kind, kind): [change.previous, change.new],
    }
    if kind in TEMPLATE_CONTEXT_FIELDS:
        context_field = TEMPLATE_CONTEXT_FIELDS[kind]
        changes[context_field] = getattr(template, context_field)
    return record(
        organization_id=template.organization_id,
        actor_type=actor_type_of_source(change.source),
        action=TEMPLATE_CHANGE_ACTIONS[kind],
        target_type=TargetType.TEMPLATE,
        target_id=template.pk,
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


def record_account_event(*, event: BusinessAccountEvent) -> AuditLog:
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
    return record(
        organization_id=account.organization_id,
        actor_type=actor_type,
        actor=person,
        action=ACCOUNT_EVENT_ACTIONS[str(event.kind)],
        target_type=TargetType.BUSINESS_ACCOUNT,
        target_id=account.pk,
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


def record_template_deletion(*, template: Any, actor: User | None) -> AuditLog:
    """A person deleted a template (it is kept, marked deleted)."""
    return record(
        organization_id=template.organization_id,
        actor_type=actor_type_of(actor),
        actor=actor,
        action=Action.TEMPLATE_DELETED,
        target_type=TargetType.TEMPLATE,
        target_id=template.pk,
        target_name=str(template),
        changes={"status": template.status},
    )


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
