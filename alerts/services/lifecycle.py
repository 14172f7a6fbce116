"""Writes to alerts: raise (or repeat), escalate, resolve and acknowledge; notification channels.

An alert is raised inside the transaction that applied Meta's change (the receivers run there),
so it commits or rolls back with it, and so does its notification task (on the database task
backend, queued in the same transaction; on the immediate one, run after commit).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from alerts.models import Alert, NotificationChannel, NotificationDelivery
from audit import services as audit
from campaigns.selectors import campaigns_held_by_template
from live.broadcast import MessageType, broadcast
from organizations.models import Organization, User
from pytake import bulk_writes
from pytake.db import insert_unless_conflicting
from pytake.exceptions import ConflictError
from pytake.task_queue import enqueue_with_transaction
from templates_app.models import (
    BLOCKED_STATUSES,
    BusinessAccount,
    TemplateStatus,
    WhatsAppTemplate,
)
from templates_app.reasons import QUALITY_WORDS, reason_phrase
from templates_app.signals import (
    AccountEventKind,
    BusinessAccountEvent,
    ChangeKind,
    TemplateChange,
)

logger = logging.getLogger(__name__)

Kind = Alert.Kind
Severity = Alert.Severity


@dataclass(frozen=True, slots=True)
class Rule:
    """The alert a piece of news raises, and how its title reads after "Template x (en_US)"."""

    kind: Kind
    severity: Severity
    predicate: str


# Keyed by the template's new status, or its new quality.
STATUS_RULES: dict[str, Rule] = {
    TemplateStatus.DISABLED: Rule(
        Kind.TEMPLATE_DISABLED, Severity.CRITICAL, "was disabled by Meta"
    ),
    TemplateStatus.PAUSED: Rule(Kind.TEMPLATE_PAUSED, Severity.WARNING, "was paused by Meta"),
    TemplateStatus.LOCKED: Rule(Kind.TEMPLATE_PAUSED, Severity.WARNING, "was locked by Meta"),
    TemplateStatus.FLAGGED: Rule(
        Kind.TEMPLATE_FLAGGED,
        Severity.WARNING,
        "was flagged by Meta: it will be disabled if its quality does not improve",
    ),
    TemplateStatus.REJECTED: Rule(Kind.TEMPLATE_REJECTED, Severity.INFO, "was rejected by Meta"),
}
QUALITY_RULES: dict[str, Rule] = {
    "RED": Rule(
        Kind.TEMPLATE_QUALITY_RED, Severity.CRITICAL, f"has {QUALITY_WORDS['RED']} quality"
    ),
    "YELLOW": Rule(
        Kind.TEMPLATE_QUALITY_YELLOW, Severity.WARNING, f"has {QUALITY_WORDS['YELLOW']} quality"
    ),
}
CATEGORY_MISMATCH = Rule(Kind.TEMPLATE_CATEGORY_MISMATCH, Severity.INFO, "is in the wrong category")
PENDING_TOO_LONG = Rule(
    Kind.TEMPLATE_PENDING_TOO_LONG,
    Severity.WARNING,
    "has waited for Meta's review for more than 48 hours",
)

QUALITY_KINDS = frozenset({Kind.TEMPLATE_QUALITY_RED, Kind.TEMPLATE_QUALITY_YELLOW})
# A new alert of the key replaces the open alerts of these kinds (resolved as escalated).
ESCALATES: dict[str, frozenset[str]] = {
    Kind.TEMPLATE_DISABLED: frozenset({Kind.TEMPLATE_PAUSED, Kind.TEMPLATE_FLAGGED}),
    Kind.TEMPLATE_QUALITY_RED: frozenset({Kind.TEMPLATE_QUALITY_YELLOW}),
}
# A template APPROVED again (approved, reinstated, pause lifted) is well again in these ways.
RESOLVED_BY_APPROVAL = frozenset(
    {
        Kind.TEMPLATE_DISABLED,
        Kind.TEMPLATE_PAUSED,
        Kind.TEMPLATE_FLAGGED,
        Kind.TEMPLATE_REJECTED,
        Kind.TEMPLATE_PENDING_TOO_LONG,
    }
)


# --- following Meta's news (called by the receivers) --------------------------------------------


def follow_template_status(*, change: TemplateChange) -> None:
    """A blocked or flagged template raises an alert; an approved one resolves what it ended."""
    template = change.template
    if change.new == TemplateStatus.APPROVED:
        resolve_template_alerts(template=template, kinds=RESOLVED_BY_APPROVAL, change=change)
    elif change.previous == TemplateStatus.PENDING:
        resolve_template_alerts(
            template=template, kinds={Kind.TEMPLATE_PENDING_TOO_LONG}, change=change
        )
    rule = STATUS_RULES.get(change.new)
    if rule is not None:
        raise_alert_for_change(rule=rule, change=change)


def follow_template_quality(*, change: TemplateChange) -> None:
    """YELLOW or RED raises an alert; any other quality resolves the quality alerts it ends."""
    rule = QUALITY_RULES.get(change.new)
    if rule is not None:
        raise_alert_for_change(rule=rule, change=change)
    # RED's escalation has resolved YELLOW already; YELLOW ends RED; any other quality ends both.
    ended = QUALITY_KINDS - {rule.kind} - ESCALATES.get(rule.kind, set()) if rule else QUALITY_KINDS
    if ended:
        resolve_template_alerts(template=change.template, kinds=ended, change=change)


def follow_correct_category(*, change: TemplateChange) -> None:
    """Meta found the template is of another category than the one it was sent as."""
    raise_alert_for_change(rule=CATEGORY_MISMATCH, change=change)


def raise_alert_for_change(*, rule: Rule, change: TemplateChange) -> Alert:
    """Raise (or repeat) the alert of `rule` for the template `change` is about.

    The campaigns counted are those the template holds paused: the campaigns app's receiver
    ran before this one (its app comes first in INSTALLED_APPS), so this event's pauses are in.
    """
    template = change.template
    paused = campaigns_held_by_template(template.pk) if change.new in BLOCKED_STATUSES else 0
    title = alert_title(template, rule, reason_code=change.reason_code, campaigns_paused=paused)
    data = alert_data(template, reason=change.reason, campaigns_paused=paused)
    data.update(
        {
            "what_happened": change.what_happened,
            "reason_code": change.reason_code,
            "source": str(change.source),
            "occurred_at": change.occurred_at.isoformat(),
            "delivery_id": change.delivery_id,
        }
    )
    if change.kind == ChangeKind.CORRECT_CATEGORY:
        data["correct_category"] = change.new
    alert, _ = raise_alert(
        template=template,
        kind=rule.kind,
        severity=rule.severity,
        title=title,
        data=data,
        seen_at=change.occurred_at,
    )
    return alert


def alert_title(
    template: WhatsAppTemplate, rule: Rule, *, reason_code: str = "", campaigns_paused: int = 0
) -> str:
    """`Template spring_sale (en_US) was disabled by Meta: scam. 3 campaigns paused.`"""
    title = f"Template {template.name} ({template.language}) {rule.predicate}"
    phrase = reason_phrase(reason_code) if rule.kind not in QUALITY_KINDS else ""
    title += f": {phrase}." if phrase else "."
    if campaigns_paused:
        noun = "campaign" if campaigns_paused == 1 else "campaigns"
        title += f" {campaigns_paused} {noun} paused."
    return title[:300]


def alert_data(template: WhatsAppTemplate, *, reason: str, campaigns_paused: int) -> dict:
    return {
        "template_id": str(template.pk),
        "template_name": template.name,
        "language": template.language,
        "status": template.status,
        "quality": template.quality_score,
        "reason": reason,
        "campaigns_paused": campaigns_paused,
    }


# Inside the caller's transaction: its writes commit or roll back with the change that raised it.
@transaction.atomic(savepoint=False)
def raise_alert(
    *,
    template: WhatsAppTemplate | None = None,
    business_account: BusinessAccount | None = None,
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
        subject = {"template": None, "business_account": business_account}
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
    notify_on_commit(alert)
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
    broadcast(
        alert.organization_id,
        message_type,
        {
            "alert_id": alert.pk,
            "template_id": alert.template_id,
            "business_account_id": alert.business_account_id,
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


def resolve_template_alerts(
    *, template: WhatsAppTemplate, kinds: Iterable[str], change: TemplateChange
) -> int:
    """Resolve the template's open alerts of `kinds`: Meta's news ended them. Returns how many."""
    alerts = Alert.objects.filter(template=template, kind__in=list(kinds))
    resolved = _resolve(
        alerts.filter(status__in=Alert.OPEN_STATUSES).select_for_update(),
        resolution=(change.reason or "The template recovered")[:300],
        actor=None,
        actor_type=audit.actor_type_of_source(change.source),
        event_at=change.occurred_at,
        delivery_id=change.delivery_id,
    )
    return len(resolved)


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
    for alert in alerts:
        entries.append(
            audit.Entry(
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
        )
        alert.status = Alert.Status.RESOLVED
        alert.resolved_at = now
        alert.resolved_by = actor
        alert.resolution = resolution
        alert.escalated_to = escalated_to
        alert.save(
            update_fields=["status", "resolved_at", "resolved_by", "resolution", "escalated_to"]
        )
        _announce(alert, MessageType.ALERT_RESOLVED)
    audit.record_many(entries)
    return [entry.changes["kind"] for entry in entries]


# --- news about a business account itself -------------------------------------------------------

ACCOUNT_RULES: dict[str, tuple[Kind, Severity]] = {
    AccountEventKind.TOKEN_INVALID: (Kind.ACCOUNT_TOKEN_INVALID, Severity.CRITICAL),
    AccountEventKind.RELEASED: (Kind.ACCOUNT_RELEASED, Severity.WARNING),
}


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
    _announce(alert, MessageType.ALERT_ACKNOWLEDGED)
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


# --- notifications ------------------------------------------------------------------------------


def notify_on_commit(alert: Alert) -> None:
    """Enqueue the alert's notification, to run once the alert is committed.

    Within a webhook delivery the alerts of all its changes share one task.
    """
    bulk_writes.gather(_enqueue_notifications, [str(alert.pk)])


def _enqueue_notifications(alert_ids: list[str]) -> None:
    from alerts import tasks

    enqueue_with_transaction(
        tasks.notify_alerts, alert_ids, after_commit=lambda: enqueue_alert_notifications(alert_ids)
    )


def enqueue_alert_notifications(alert_ids: list[str]) -> None:
    # After commit, never let a notification fail the request that committed the alert: with the
    # immediate backend the task runs right here, and each send records its own failure on its
    # delivery.
    from alerts import tasks

    try:
        tasks.notify_alerts.enqueue(alert_ids)
    except Exception:
        logger.exception("Could not enqueue the notification of alerts %s", ", ".join(alert_ids))


def create_channel(*, organization: Organization, **fields: Any) -> NotificationChannel:
    """A new notification channel; its URL must pass `notify.http.check_url` (serializer)."""
    return NotificationChannel.objects.create(organization=organization, **fields)


def update_channel(*, channel: NotificationChannel, **fields: Any) -> NotificationChannel:
    """Change a channel; a secret or URL left out keeps its value."""
    for name, value in fields.items():
        setattr(channel, name, value)
    channel.save()
    return channel


def delete_channel(*, channel: NotificationChannel) -> None:
    channel.delete()


def send_test_notification(*, channel: NotificationChannel) -> NotificationDelivery:
    """A test message to `channel`, sent once (no retries) as soon as the task runs."""
    delivery = NotificationDelivery.objects.create(
        channel=channel,
        kind=NotificationDelivery.Kind.TEST,
        next_attempt_at=timezone.now(),
        max_attempts=1,
    )
    _attempt_on_commit(delivery.pk)
    return delivery


def retry_deliveries(*, deliveries: QuerySet[NotificationDelivery]) -> int:
    """Give failed deliveries a new round of attempts, from now; returns how many.

    Only failed ones: a delivery that was sent is never sent again.
    """
    from alerts.tasks import MAX_ATTEMPTS

    ids = list(
        deliveries.filter(status=NotificationDelivery.Status.FAILED).values_list("pk", flat=True)
    )
    retried = NotificationDelivery.objects.filter(
        pk__in=ids, status=NotificationDelivery.Status.FAILED
    ).update(
        status=NotificationDelivery.Status.PENDING,
        next_attempt_at=timezone.now(),
        max_attempts=F("attempts") + MAX_ATTEMPTS,
        updated_at=timezone.now(),
    )
    for delivery_id in ids:
        _attempt_on_commit(delivery_id)
    return retried


def _attempt_on_commit(delivery_id: int) -> None:
    from alerts import tasks

    transaction.on_commit(lambda: tasks.enqueue_attempt(delivery_id), robust=True)
