"""An alert's life: raised (or repeated), escalated, resolved, acknowledged.

Meta's news about templates reaches alerts as a unit of work's list of changes
(`TemplateAlerts`, from `alerts.reactions`): the open alerts of the templates it names are
locked in one query, the changes folded over them in order in Python, and the result written in
one INSERT (new alerts) and one UPDATE (those that changed). The rules (which news raises or
resolves what) are `alerts.rules`. A single alert (about a business account, a template pending
too long) goes through `raise_alert`. Everything happens in the caller's transaction, so it
commits or rolls back with the change, and so does the notification task.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from alerts.models import Alert
from alerts.rules import (
    ACCOUNT_RULES,
    ESCALATES,
    PENDING_TOO_LONG,
    Raise,
    Resolve,
    alert_data,
    alert_title,
    consequences,
    pause_overdue_rule,
    template_change_data,
)
from alerts.services.channels import enqueue_notifications
from audit import services as audit
from live.broadcast import MessageType, broadcast_many, message
from live.models import LiveMessage
from organizations.models import User
from pytake.db import insert_many_unless_conflicting, insert_unless_conflicting, update_many
from pytake.exceptions import ConflictError
from templates_app.changes import (
    BusinessAccountEvent,
    Effect,
    ReactionContext,
    TemplateChange,
)
from templates_app.models import (
    BusinessAccount,
    TemplatePause,
    TemplateStatus,
    WhatsAppTemplate,
)

logger = logging.getLogger(__name__)

Kind = Alert.Kind
Severity = Alert.Severity


# Inside the caller's transaction: its writes commit or roll back with the change that raised it.
@transaction.atomic(savepoint=False)
def raise_alert(
    *,
    template: WhatsAppTemplate | None = None,
    business_account: BusinessAccount | None = None,
    phone_number: Any = None,
    kind: str,
    severity: str,
    title: str,
    data: Mapping[str, Any],
    seen_at: datetime | None = None,
) -> tuple[Alert, bool]:
    """Open an alert of `kind` for `template` (or, with no template, for `business_account`
    itself), or count one more occurrence of the open one.

    Returns the alert and whether it is new. A new alert escalates the lesser open alerts it
    replaces (`ESCALATES`) and is notified once committed; a repeat is not notified again.
    """
    seen_at = seen_at or timezone.now()
    if template is not None:
        subject: dict[str, Any] = {"template": template}
        organization_id = template.organization_id
    elif business_account is not None:
        # About the account itself, or (with `phone_number`) about one of its numbers.
        subject = {
            "template": None,
            "business_account": business_account,
            "phone_number": phone_number,
        }
        organization_id = business_account.organization_id
    else:
        raise ValueError("An alert is about a template or a business account.")
    # Most alerts are new: the INSERT comes first, and finds the open one when there is one.
    alert = Alert(
        organization_id=organization_id,
        **subject,
        kind=kind,
        severity=severity,
        title=title,
        data=dict(data),
        last_seen_at=seen_at,
    )
    while not insert_unless_conflicting(alert):
        # Open already (the one-open-alert constraint found it, waiting first for a concurrent
        # transaction that opened it): a repeat, unless it was resolved meanwhile.
        repeated = _locked_open(subject, kinds=[kind])
        if repeated:
            return _repeat(repeated[0], title=title, data=data, seen_at=seen_at), False
    lesser_kinds = ESCALATES.get(kind)
    if lesser_kinds:
        _escalate(alert, _locked_open(subject, kinds=lesser_kinds))
    _announce(alert, MessageType.ALERT_CREATED)
    enqueue_notifications([str(alert.pk)])
    return alert, True


def _repeat(alert: Alert, *, title: str, data: Mapping[str, Any], seen_at: datetime) -> Alert:
    """One more occurrence of the open `alert` (locked): its title and data are the latest."""
    alert.occurrences += 1
    alert.last_seen_at = max(seen_at, alert.last_seen_at or seen_at)
    alert.title = title
    alert.data = {**alert.data, **data}
    alert.save(update_fields=["occurrences", "last_seen_at", "title", "data"])
    _announce(alert, MessageType.ALERT_UPDATED)
    return alert


def _locked_open(subject: Mapping[str, Any], *, kinds: Iterable[str]) -> list[Alert]:
    """The subject's open alerts of `kinds`, locked."""
    return list(
        Alert.objects.select_for_update().filter(
            **subject, kind__in=list(kinds), status__in=Alert.OPEN_STATUSES
        )
    )


def _announce(alert: Alert, message_type: MessageType) -> None:
    """A live message to the organization's browsers, sent once the change is committed."""
    broadcast_many([alert_message(alert, message_type)])


def alert_message(alert: Alert, message_type: MessageType) -> LiveMessage:
    """The live message of `alert` as it stands now."""
    return message(
        alert.organization_id,
        message_type,
        {
            "alert_id": alert.pk,
            "template_id": alert.template_id,
            "business_account_id": alert.business_account_id,
            "phone_number_id": alert.phone_number_id,
            "kind": alert.kind,
            "severity": alert.severity,
            "status": alert.status,
            "title": alert.title,
            "occurrences": alert.occurrences,
            "acknowledged_at": alert.acknowledged_at,
            "resolved_at": alert.resolved_at,
            "resolution": alert.resolution,
        },
    )


def _escalate(alert: Alert, lesser: list[Alert]) -> None:
    """`lesser`: the template's open alerts (locked) of the kinds `alert` replaces."""
    kinds = _resolve(
        lesser,
        resolution=f"Escalated: {alert.title}"[:300],
        actor=None,
        actor_type=audit.AuditLog.ActorType.SYSTEM,
        escalated_to=alert,
    )
    if kinds:
        alert.data["escalated_from"] = sorted(set(kinds))
        alert.save(update_fields=["data"])


def mark_resolved(
    alert: Alert,
    *,
    at: datetime,
    resolution: str,
    actor: User | None,
    actor_type: str,
    escalated_to: Alert | None = None,
    event_at: datetime | None = None,
    delivery_id: int | None = None,
) -> audit.Entry:
    """Resolve `alert` in memory (the caller saves it); returns its audit entry."""
    entry = audit.Entry(
        organization_id=alert.organization_id,
        actor_type=actor_type,
        actor_id=actor.pk if actor is not None else None,
        action=audit.Action.ALERT_RESOLVED,
        target_type=audit.TargetType.ALERT,
        target_id=str(alert.pk),
        target_name=alert.title,
        changes={"status": [alert.status, Alert.Status.RESOLVED], "kind": alert.kind},
        reason=resolution,
        event_at=event_at,
        delivery_id=delivery_id,
    )
    alert.status = Alert.Status.RESOLVED
    alert.resolved_at = at
    alert.resolved_by = actor
    alert.resolution = resolution
    alert.escalated_to = escalated_to
    return entry


@transaction.atomic(savepoint=False)
def _resolve(
    alerts: Iterable[Alert],
    *,
    resolution: str,
    actor: User | None,
    actor_type: str,
    escalated_to: Alert | None = None,
    event_at: datetime | None = None,
    delivery_id: int | None = None,
) -> list[str]:
    """Resolve `alerts` (locked by the caller), one audit entry each; returns the kinds resolved."""
    now = timezone.now()
    entries = []
    resolved = list(alerts)
    for alert in resolved:
        entries.append(
            mark_resolved(
                alert,
                at=now,
                resolution=resolution,
                actor=actor,
                actor_type=actor_type,
                escalated_to=escalated_to,
                event_at=event_at,
                delivery_id=delivery_id,
            )
        )
        alert.save(
            update_fields=["status", "resolved_at", "resolved_by", "resolution", "escalated_to"]
        )
    audit.record_many(entries)
    broadcast_many([alert_message(alert, MessageType.ALERT_RESOLVED) for alert in resolved])
    return [entry.changes["kind"] for entry in entries]


# --- news about a business account itself -------------------------------------------------------


def follow_account_event(*, event: BusinessAccountEvent) -> Alert | None:
    """A token Meta refuses, or an account released to its proven owner: its people must know."""
    rule = ACCOUNT_RULES.get(event.kind)
    if rule is None:
        return None
    kind, severity = rule
    account = event.account
    named = f"business account {account.name} ({account.waba_id})"
    title = {
        Kind.ACCOUNT_TOKEN_INVALID: f"Meta access token no longer works for {named}.",
        Kind.ACCOUNT_RELEASED: (
            f"Another organization proved it owns the WABA of {named}: Meta's webhooks and "
            "syncs for it now go there."
        ),
    }[kind]
    alert, _ = raise_alert(
        business_account=account,
        kind=kind,
        severity=severity,
        title=title[:300],
        data={
            "business_account_id": str(account.pk),
            "business_account_name": account.name,
            "waba_id": account.waba_id,
            "reason": event.reason,
            **{key: str(value) for key, value in event.details.items()},
        },
        seen_at=event.occurred_at,
    )
    return alert


# --- a person acknowledges or resolves ----------------------------------------------------------


@transaction.atomic
def acknowledge_alert(*, alert: Alert, actor: User) -> Alert:
    """A person has seen the alert; it stays open until the template recovers or they resolve it.

    Refused (409) unless the alert is OPEN.
    """
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status != Alert.Status.OPEN:
        raise ConflictError(
            f"This alert is already {alert.get_status_display().lower()}.",
            extra={"alert": str(alert.pk), "status": alert.status},
        )
    _acknowledge(alert, actor=actor, now=timezone.now())
    return alert


@transaction.atomic
def acknowledge_template_alerts(*, template: WhatsAppTemplate, actor: User) -> list[Alert]:
    """Acknowledge every OPEN alert of `template`; returns them (none: nothing was open)."""
    now = timezone.now()
    alerts = list(
        Alert.objects.select_for_update()
        .filter(template=template, status=Alert.Status.OPEN)
        .order_by("created_at")
    )
    for alert in alerts:
        _acknowledge(alert, actor=actor, now=now)
    return alerts


def _acknowledge(alert: Alert, *, actor: User, now: datetime) -> None:
    alert.status = Alert.Status.ACKNOWLEDGED
    alert.acknowledged_at = now
    alert.acknowledged_by = actor
    alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    audit.record(
        organization_id=alert.organization_id,
        actor_type=audit.AuditLog.ActorType.USER,
        actor=actor,
        action=audit.Action.ALERT_ACKNOWLEDGED,
        target_type=audit.TargetType.ALERT,
        target_id=alert.pk,
        target_name=alert.title,
        changes={"status": [Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED], "kind": alert.kind},
    )
    _announce(alert, MessageType.ALERT_ACKNOWLEDGED)


@transaction.atomic
def resolve_alert(*, alert: Alert, actor: User, reason: str = "") -> Alert:
    """A person resolves the alert, with their reason; refused (409) when already resolved."""
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if locked.status == Alert.Status.RESOLVED:
        raise ConflictError(
            "This alert is already resolved.",
            extra={"alert": str(locked.pk), "status": locked.status},
        )
    _resolve(
        [locked],
        resolution=(reason.strip() or f"Resolved by {actor.email or actor.get_username()}")[:300],
        actor=actor,
        actor_type=audit.AuditLog.ActorType.USER,
    )
    return locked


# --- alerts found by looking, not by news -------------------------------------------------------


def raise_pending_too_long(*, older_than: datetime) -> list[Alert]:
    """An alert for each template PENDING since before `older_than` that has none open yet.

    Idempotent: a template whose alert is open is left alone (no new occurrence, no message).
    """
    waiting = (
        WhatsAppTemplate.objects.filter(
            status=TemplateStatus.PENDING, deleted_at__isnull=True, pending_since__lt=older_than
        )
        .exclude(
            alerts__kind=Kind.TEMPLATE_PENDING_TOO_LONG, alerts__status__in=Alert.OPEN_STATUSES
        )
        .order_by("pending_since")
    )
    raised = []
    for template in waiting:
        reason = f"Waiting for Meta's review since {template.pending_since:%Y-%m-%d %H:%M} UTC"
        alert, created = raise_alert(
            template=template,
            kind=PENDING_TOO_LONG.kind,
            severity=PENDING_TOO_LONG.severity,
            title=alert_title(template, PENDING_TOO_LONG),
            data={
                **alert_data(template, reason=reason, campaigns_paused=0),
                "pending_since": template.pending_since.isoformat(),
            },
        )
        if created:
            raised.append(alert)
    return raised


def raise_overdue_pauses(*, now: datetime, late_by: timedelta) -> list[Alert]:
    """An alert for each template still paused `late_by` after it was expected back (Meta's
    words or its 3 h / 6 h rule), unless one is open already. Idempotent."""
    overdue = (
        TemplatePause.objects.filter(
            ended_at__isnull=True,
            expected_back_at__lt=now - late_by,
            template__status__in=[TemplateStatus.PAUSED, TemplateStatus.LOCKED],
            template__deleted_at__isnull=True,
        )
        .exclude(
            template__alerts__kind=Kind.TEMPLATE_PAUSE_OVERDUE,
            template__alerts__status__in=Alert.OPEN_STATUSES,
        )
        .select_related("template")
        .order_by("expected_back_at")
    )
    minutes = int(late_by.total_seconds() // 60)
    late_words = "an hour" if minutes == 60 else f"{minutes} minutes"
    raised = []
    for pause in overdue:
        template = pause.template
        rule = pause_overdue_rule(pause.expected_back_at, late_by=late_words)
        alert, created = raise_alert(
            template=template,
            kind=rule.kind,
            severity=rule.severity,
            title=alert_title(template, rule),
            data={
                **alert_data(template, reason=pause.description, campaigns_paused=0),
                "pause_title": pause.title,
                "paused_at": pause.paused_at.isoformat(),
                "expected_back_at": pause.expected_back_at.isoformat(),
            },
            seen_at=now,
        )
        if created:
            raised.append(alert)
    return raised


# --- a unit of work's template changes ----------------------------------------------------------

RESOLUTION_FIELDS = ["status", "resolved_at", "resolved_by", "resolution", "escalated_to"]
CHANGED_FIELDS = ["occurrences", "last_seen_at", "title", "data", *RESOLUTION_FIELDS]


class TemplateAlerts:
    """The open alerts of a unit of work's templates, with its changes folded over them.

    `lock_for` locks the open alerts of every template the changes name, in one query; `apply`
    raises, repeats, escalates and resolves in memory, in the changes' order, and leaves each
    step's audit entry and live message in the context (as they would read at that step);
    `save` writes the new alerts in one INSERT and the changed ones in one UPDATE.
    """

    def __init__(self, open_alerts: Iterable[Alert], context: ReactionContext) -> None:
        self._open: dict[tuple[Any, str], Alert] = {
            (alert.template_id, alert.kind): alert for alert in open_alerts
        }
        self._new: dict[Any, Alert] = {}
        self._changed: dict[Any, Alert] = {}
        self._context = context
        self._now = timezone.now()

    @classmethod
    def lock_for(
        cls, changes: Sequence[TemplateChange], context: ReactionContext
    ) -> TemplateAlerts:
        template_ids = {change.template.pk for change in changes}
        open_alerts = Alert.objects.select_for_update().filter(
            template_id__in=template_ids, status__in=Alert.OPEN_STATUSES
        )
        return cls(open_alerts, context)

    def apply(self, position: int, change: TemplateChange) -> None:
        for consequence in consequences(change):
            if isinstance(consequence, Resolve):
                self._resolve_kinds(position, change, consequence.kinds)
            else:
                self._raise(position, change, consequence)

    def _raise(self, position: int, change: TemplateChange, consequence: Raise) -> None:
        rule, template = consequence.rule, change.template
        # The campaigns reaction ran first: it counted the campaigns the template holds.
        paused = self._context.campaigns_held.get(position, 0)
        switched = self._context.campaigns_switched_at.get(position, 0)
        title = alert_title(
            template,
            rule,
            reason_code=change.reason_code,
            campaigns_paused=paused,
            campaigns_switched=switched,
        )
        data = template_change_data(change, campaigns_paused=paused)
        if switched:
            data["campaigns_switched"] = switched
        seen_at = change.occurred_at
        alert = self._open.get((template.pk, rule.kind))
        if alert is not None:
            alert.occurrences += 1
            alert.last_seen_at = max(seen_at, alert.last_seen_at or seen_at)
            alert.title = title
            alert.data = {**alert.data, **data}
            self._touched(alert)
            self._announce(position, alert, MessageType.ALERT_UPDATED)
            return
        alert = Alert(
            organization_id=template.organization_id,
            template=template,
            kind=rule.kind,
            severity=rule.severity,
            title=title,
            data=data,
            last_seen_at=seen_at,
        )
        self._open[(template.pk, rule.kind)] = alert
        self._new[alert.pk] = alert
        self._context.new_alert_ids.append(str(alert.pk))
        lesser = [
            self._open[(template.pk, kind)]
            for kind in sorted(ESCALATES.get(rule.kind, ()))
            if (template.pk, kind) in self._open
        ]
        if lesser:
            resolution = f"Escalated: {alert.title}"[:300]
            for escalated in lesser:
                self._resolve(
                    position,
                    escalated,
                    resolution=resolution,
                    actor_type=audit.AuditLog.ActorType.SYSTEM,
                    escalated_to=alert,
                )
            alert.data["escalated_from"] = sorted({escalated.kind for escalated in lesser})
        self._announce(position, alert, MessageType.ALERT_CREATED)

    def _resolve_kinds(self, position: int, change: TemplateChange, kinds: Iterable[str]) -> None:
        for kind in sorted(kinds):
            alert = self._open.get((change.template.pk, kind))
            if alert is not None:
                self._resolve(
                    position,
                    alert,
                    resolution=(change.reason or "The template recovered")[:300],
                    actor_type=audit.actor_type_of_source(change.source),
                    event_at=change.occurred_at,
                    delivery_id=change.delivery_id,
                )

    def _resolve(
        self,
        position: int,
        alert: Alert,
        *,
        resolution: str,
        actor_type: str,
        escalated_to: Alert | None = None,
        event_at: datetime | None = None,
        delivery_id: int | None = None,
    ) -> None:
        entry = mark_resolved(
            alert,
            at=self._now,
            resolution=resolution,
            actor=None,
            actor_type=actor_type,
            escalated_to=escalated_to,
            event_at=event_at,
            delivery_id=delivery_id,
        )
        self._context.audit_entries.append(Effect(position, entry))
        del self._open[(alert.template_id, alert.kind)]
        self._touched(alert)
        self._announce(position, alert, MessageType.ALERT_RESOLVED)

    def _touched(self, alert: Alert) -> None:
        if alert.pk not in self._new:
            self._changed[alert.pk] = alert

    def _announce(self, position: int, alert: Alert, message_type: MessageType) -> None:
        self._context.live_messages.append(Effect(position, alert_message(alert, message_type)))

    def save(self) -> None:
        """One UPDATE of the changed alerts, one INSERT of the new ones.

        A new alert whose like was opened meanwhile outside the templates' locks (the health
        check's) is counted as one more occurrence of that one instead.
        """
        # The UPDATE first: an alert resolved here frees its place for a new one of its kind.
        update_many(list(self._changed.values()), CHANGED_FIELDS)
        new = list(self._new.values())
        inserted = insert_many_unless_conflicting(new)
        for alert in new:
            if alert.pk not in inserted:
                self._context.new_alert_ids.remove(str(alert.pk))
                raise_alert(
                    template=alert.template,
                    kind=alert.kind,
                    severity=alert.severity,
                    title=alert.title,
                    data=alert.data,
                    seen_at=alert.last_seen_at,
                )


def apply_template_changes(changes: Sequence[TemplateChange], context: ReactionContext) -> None:
    """Raise, repeat, escalate and resolve the alerts a unit of work's changes call for."""
    relevant = [
        (position, change) for position, change in enumerate(changes) if consequences(change)
    ]
    if not relevant:
        return
    alerts = TemplateAlerts.lock_for([change for _, change in relevant], context)
    for position, change in relevant:
        alerts.apply(position, change)
    alerts.save()
