"""Meta's news about phone numbers and business accounts, applied as a set.

The accounts a unit of work names are locked together with their numbers (primary-key order),
its events folded over them in memory in body order, each changed row written once, and the
`SendingPathChange`s made handed to `SENDING_PATH_REACTIONS` by the caller. The ordering rule is
the templates': every group of facts (a number's quality news, its name, an account's ban,
restrictions, review, limits) keeps the time of the news it holds, and older news is stale.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from templates_app.changes import ChangeSource
from templates_app.graph_client import GraphError, GraphRateLimited, GraphTokenInvalid
from templates_app.meta.health import HealthStatus, PhoneNumberSnapshot
from templates_app.meta.sending_path import (
    AccountAlert,
    AccountReviewUpdate,
    AccountUpdate,
    BusinessCapabilityUpdate,
    PathEvent,
    PhoneNameUpdate,
    PhoneQualityUpdate,
    phone_digits,
)
from templates_app.models import BusinessAccount, PhoneNumber
from templates_app.path_changes import (
    PathChangeKind,
    SendingEffect,
    SendingPathChange,
    react_to_sending_path_changes,
)
from templates_app.services.state_machine import ChangeOutcome, Result

logger = logging.getLogger(__name__)

# Restrictions that stop a campaign: it starts conversations.
STOPS_CAMPAIGNS = frozenset({"RESTRICTED_BIZ_INITIATED_MESSAGING"})
MESSAGING_RESTRICTIONS = frozenset(
    {"RESTRICTED_BIZ_INITIATED_MESSAGING", "RESTRICTED_CUSTOMER_INITIATED_MESSAGING"}
)
RESTRICTION_WORDS = {
    "RESTRICTED_BIZ_INITIATED_MESSAGING": "from starting conversations",
    "RESTRICTED_CUSTOMER_INITIATED_MESSAGING": "from replying to customers",
    "RESTRICTED_ADD_PHONE_NUMBER_ACTION": "from adding phone numbers",
}
LIMIT_WORDS = {
    "TIER_50": "50",
    "TIER_250": "250",
    "TIER_1K": "1,000",
    "TIER_2K": "2,000",
    "TIER_10K": "10,000",
    "TIER_100K": "100,000",
    "TIER_UNLIMITED": "unlimited",
}
# Who can no longer reach the account through this app.
DISCONNECTED = frozenset({"ACCOUNT_OFFBOARDED", "PARTNER_REMOVED"})


def when(moment: datetime) -> str:
    """12 Jan 2027, 14:00 UTC"""
    return moment.astimezone(UTC).strftime("%-d %b %Y, %H:%M UTC")


def limit_words(tier: str | None, daily: int | None = None) -> str:
    if daily is not None:
        return f"{daily:,} conversations a day"
    if not tier:
        return "an unknown limit"
    words = LIMIT_WORDS.get(tier, tier.replace("_", " ").lower())
    return "no daily limit" if words == "unlimited" else f"{words} conversations a day"


def restriction_sentence(kind: str, expires_at: datetime | None) -> str:
    what = RESTRICTION_WORDS.get(kind, f"({kind.replace('_', ' ').lower()})")
    until = f" until {when(expires_at)}" if expires_at else ""
    return f"Meta restricted this account {what}{until}."


# --- what blocks an account ---------------------------------------------------------------------


def active_restrictions(account: BusinessAccount, *, now: datetime) -> list[dict[str, Any]]:
    """The account's restrictions whose expiry has not passed."""
    return [
        item
        for item in account.restrictions or []
        if not item.get("expires_at") or datetime.fromisoformat(item["expires_at"]) > now
    ]


# A restriction Meta gave no expiry: in force until Meta lifts it.
NO_EXPIRY = datetime(9999, 12, 31, tzinfo=UTC)


def restricted_until(restrictions: list[dict[str, Any]]) -> datetime | None:
    """When the last restriction from starting conversations ends; None: none is in force."""
    ends = [
        datetime.fromisoformat(item["expires_at"]) if item.get("expires_at") else NO_EXPIRY
        for item in restrictions
        if item["restriction_type"] in STOPS_CAMPAIGNS
    ]
    return max(ends, default=None)


def account_cannot_send(now: datetime, *, prefix: str = "") -> Q:
    """`campaign_blockers` in SQL: the account (through `prefix`) stops campaigns now."""
    return (
        Q(**{f"{prefix}ban_state": "DISABLE"})
        | Q(**{f"{prefix}connection_state__in": sorted(DISCONNECTED)})
        | Q(**{f"{prefix}restricted_from_starting_until__gt": now})
        | Q(**{f"{prefix}health_blocked": True})
    )


def campaign_blockers(account: BusinessAccount, *, now: datetime) -> list[str]:
    """Why campaigns cannot send through the account, in sentences; none: they can."""
    reasons = []
    if account.ban_state == "DISABLE":
        reasons.append("Meta disabled this business account.")
    if account.health_blocked:
        reasons.append("Meta's health check says this account cannot send.")
    if account.connection_state == "PARTNER_REMOVED":
        reasons.append("Meta removed this app's access to the business account.")
    elif account.connection_state == "ACCOUNT_OFFBOARDED":
        reasons.append("The business account was offboarded from this app.")
    for item in active_restrictions(account, now=now):
        if item["restriction_type"] in STOPS_CAMPAIGNS:
            expires = item.get("expires_at")
            reasons.append(
                restriction_sentence(
                    item["restriction_type"], datetime.fromisoformat(expires) if expires else None
                )
            )
    return reasons


# --- applying a unit of work's events -----------------------------------------------------------


@dataclass
class PathApplied:
    outcomes: list[ChangeOutcome] = field(default_factory=list)
    changes: list[SendingPathChange] = field(default_factory=list)


@dataclass
class _Locked:
    accounts: dict[str, BusinessAccount]
    numbers: dict[Any, list[PhoneNumber]]
    dirty: set[Any] = field(default_factory=set)

    def number(self, account: BusinessAccount, shown: str) -> PhoneNumber | None:
        digits = phone_digits(shown)
        for number in self.numbers.get(account.pk, []):
            if phone_digits(number.display_phone_number) == digits:
                return number
        return None


def _lock(events: Sequence[PathEvent]) -> _Locked:
    waba_ids = sorted({event.waba_id for event in events})
    accounts = list(
        BusinessAccount.objects.select_for_update()
        .filter(waba_id__in=waba_ids, released_at__isnull=True)
        .order_by("pk")
    )
    numbers: dict[Any, list[PhoneNumber]] = {}
    if any(isinstance(event, PhoneQualityUpdate | PhoneNameUpdate) for event in events):
        for number in (
            PhoneNumber.objects.select_for_update()
            .filter(business_account__in=accounts)
            .order_by("pk")
        ):
            numbers.setdefault(number.business_account_id, []).append(number)
    return _Locked({account.waba_id: account for account in accounts}, numbers)


def apply_path_events(
    events: Sequence[PathEvent], *, received_at: datetime, delivery_id: int | None
) -> PathApplied:
    """Fold the events over the accounts and numbers they name; write each changed row once."""
    applied = PathApplied()
    if not events:
        return applied
    locked = _lock(events)
    now = timezone.now()
    for event in events:
        at = event.occurred_at or received_at
        account = locked.accounts.get(event.waba_id)
        if account is None:
            applied.outcomes.append(
                _outcome(event, Result.IGNORED, f"unknown WABA {event.waba_id}")
            )
            continue
        made = _fold(event, account, locked, at=at, now=now, delivery_id=delivery_id)
        if isinstance(made, ChangeOutcome):
            applied.outcomes.append(made)
            continue
        applied.changes.extend(made)
        applied.outcomes.append(
            _outcome(event, Result.APPLIED if made else Result.UNCHANGED, _summary(made))
        )
    _write(locked)
    return applied


def _outcome(event: PathEvent, result: Result, detail: str) -> ChangeOutcome:
    if result is Result.IGNORED:
        logger.warning("Meta change %s ignored: %s", event.position, detail)
    return ChangeOutcome(event.position, str(event.field), result, detail, None, event.warnings)


def _summary(changes: list[SendingPathChange]) -> str:
    return " ".join(change.sentence for change in changes)[:500]


def _fold(
    event: PathEvent,
    account: BusinessAccount,
    locked: _Locked,
    *,
    at: datetime,
    now: datetime,
    delivery_id: int | None,
) -> list[SendingPathChange] | ChangeOutcome:
    def change(**values: Any) -> SendingPathChange:
        return SendingPathChange(account=account, occurred_at=at, delivery_id=delivery_id, **values)

    def stale(kept_at: datetime | None, what: str) -> ChangeOutcome | None:
        if kept_at is not None and at < kept_at:
            return _outcome(
                event, Result.STALE, f"older than the {what} news kept ({kept_at.isoformat()})"
            )
        return None

    if isinstance(event, PhoneQualityUpdate | PhoneNameUpdate):
        number = locked.number(account, event.display_phone_number)
        if number is None:
            return _outcome(
                event,
                Result.IGNORED,
                f"no phone number {event.display_phone_number} in business account "
                f"{account.waba_id}",
            )
        if isinstance(event, PhoneQualityUpdate):
            late = stale(number.quality_event_at, "number's quality")
            return late or _fold_number_quality(event, number, locked, at, change)
        late = stale(number.name_event_at, "number's name")
        return late or _fold_number_name(event, number, locked, at, change)

    if isinstance(event, AccountUpdate):
        return _fold_account_update(event, account, locked, at, now, change, stale)
    if isinstance(event, AccountAlert):
        words = event.description or event.alert_type.replace("_", " ").capitalize()
        return [
            change(
                kind=PathChangeKind.META_ALERT,
                what_happened=event.alert_type,
                new=event.status or "",
                sentence=words,
                details={
                    "alert_type": event.alert_type,
                    "alert_severity": event.severity or "",
                    "alert_status": event.status or "",
                    "entity_type": event.entity_type,
                    "entity_id": event.entity_id or "",
                },
            )
        ]
    if isinstance(event, AccountReviewUpdate):
        late = stale(account.review_event_at, "account review")
        if late:
            return late
        previous = account.review_decision
        account.review_event_at = at
        locked.dirty.add(account)
        if previous == event.decision:
            return []
        account.review_decision = event.decision
        return [
            change(
                kind=PathChangeKind.ACCOUNT_REVIEW,
                what_happened=event.decision,
                previous=previous,
                new=event.decision,
                sentence=f"Meta's review of this account: {event.decision.lower()}.",
            )
        ]
    assert isinstance(event, BusinessCapabilityUpdate)
    late = stale(account.capability_event_at, "account limits")
    if late:
        return late
    account.capability_event_at = at
    locked.dirty.add(account)
    before = (account.max_daily_conversations, account.max_phone_numbers)
    if event.max_daily_conversations is not None:
        account.max_daily_conversations = event.max_daily_conversations
    if event.max_phone_numbers is not None:
        account.max_phone_numbers = event.max_phone_numbers
    after = (account.max_daily_conversations, account.max_phone_numbers)
    if before == after:
        return []
    parts = []
    if account.max_daily_conversations is not None:
        parts.append(f"{account.max_daily_conversations:,} conversations a day")
    if account.max_phone_numbers is not None:
        parts.append(f"{account.max_phone_numbers} phone numbers")
    return [
        change(
            kind=PathChangeKind.ACCOUNT_CAPABILITY,
            what_happened="BUSINESS_CAPABILITY_UPDATE",
            previous=str(before[0] or ""),
            new=str(after[0] or ""),
            sentence=f"Meta set this business's limits: {' and '.join(parts)}.",
        )
    ]


def _fold_number_quality(
    event: PhoneQualityUpdate, number: PhoneNumber, locked: _Locked, at: datetime, change: Any
) -> list[SendingPathChange]:
    number.quality_event_at = at
    locked.dirty.add(number)
    shown = number.display_phone_number
    previous_status, previous_limit = number.status, number.messaging_limit
    if event.event == "FLAGGED":
        number.status = "FLAGGED"
        sentence = (
            f"Meta flagged number {shown} for low quality: fix the number's quality within "
            "7 days or its messaging limit drops."
        )
    elif event.event == "UNFLAGGED":
        number.status = "CONNECTED"
        sentence = f"Meta no longer flags number {shown}: its quality recovered."
    elif event.event == "DOWNGRADE":
        sentence = (
            f"Meta lowered number {shown}'s messaging limit to "
            f"{limit_words(event.current_limit, event.max_daily_conversations)}."
        )
    elif event.event == "UPGRADE":
        sentence = (
            f"Meta raised number {shown}'s messaging limit to "
            f"{limit_words(event.current_limit, event.max_daily_conversations)}."
        )
    elif event.event == "THROUGHPUT_UPGRADE":
        number.throughput_level = "HIGH"
        sentence = f"Meta raised number {shown}'s throughput."
    else:
        sentence = f"Meta reported {event.event.replace('_', ' ').lower()} for number {shown}."
    if event.current_limit:
        number.messaging_limit = event.current_limit
    if event.max_daily_conversations is not None:
        number.max_daily_conversations = event.max_daily_conversations
    if number.status != previous_status:
        number.status_changed_at = at
    if (number.messaging_limit, number.max_daily_conversations) != (previous_limit, None) and (
        event.current_limit or event.max_daily_conversations is not None
    ):
        number.limit_changed_at = at
    flagging = event.event in ("FLAGGED", "UNFLAGGED")
    if flagging and (number.status, number.messaging_limit) == (previous_status, previous_limit):
        return []  # the same news again
    return [
        change(
            phone_number=number,
            kind=PathChangeKind.NUMBER_QUALITY,
            what_happened=event.event,
            previous=previous_status or previous_limit,
            new=number.status
            if event.event in ("FLAGGED", "UNFLAGGED")
            else number.messaging_limit,
            sentence=sentence,
            details={
                "current_limit": event.current_limit or "",
                "old_limit": event.old_limit or "",
                "max_daily_conversations": event.max_daily_conversations,
            },
        )
    ]


def _fold_number_name(
    event: PhoneNameUpdate, number: PhoneNumber, locked: _Locked, at: datetime, change: Any
) -> list[SendingPathChange]:
    number.name_event_at = at
    locked.dirty.add(number)
    previous = number.name_status
    number.name_status = event.decision
    number.requested_verified_name = event.requested_verified_name or ""
    number.name_rejection_reason = event.rejection_reason or ""
    name = event.requested_verified_name or "the requested name"
    if event.decision == "APPROVED":
        number.verified_name = event.requested_verified_name or number.verified_name
        sentence = (
            f"Meta approved the display name {name} for number {number.display_phone_number}."
        )
    elif event.decision == "REJECTED":
        why = f": {event.rejection_reason}" if event.rejection_reason else ""
        sentence = (
            f"Meta rejected the display name {name} for number {number.display_phone_number}{why}."
        )
    else:
        sentence = (
            f"Meta's decision on the display name {name} for number "
            f"{number.display_phone_number}: {event.decision.lower()}."
        )
    return [
        change(
            phone_number=number,
            kind=PathChangeKind.NUMBER_NAME,
            what_happened=event.decision,
            previous=previous,
            new=event.decision,
            sentence=sentence,
        )
    ]


def _fold_account_update(
    event: AccountUpdate,
    account: BusinessAccount,
    locked: _Locked,
    at: datetime,
    now: datetime,
    change: Any,
    stale: Any,
) -> list[SendingPathChange] | ChangeOutcome:
    blocked_before = bool(campaign_blockers(account, now=now))

    def sending() -> SendingEffect:
        blocked = bool(campaign_blockers(account, now=now))
        if blocked and not blocked_before:
            return SendingEffect.STOPS
        if blocked_before and not blocked:
            return SendingEffect.ALLOWS
        return SendingEffect.NONE

    if event.event == "ACCOUNT_VIOLATION":
        kind = event.violation_type or "UNSPECIFIED"
        entry = {"violation_type": kind, "at": at.isoformat()}
        if entry in (account.violations or []):
            return []
        account.violations = [*(account.violations or []), entry][-50:]
        locked.dirty.add(account)
        return [
            change(
                kind=PathChangeKind.ACCOUNT_VIOLATION,
                what_happened=event.event,
                new=kind,
                sentence=(
                    "Meta found a policy violation on this account: "
                    f"{kind.replace('_', ' ').lower()}."
                ),
            )
        ]
    if event.event == "ACCOUNT_RESTRICTION":
        late = stale(account.restrictions_event_at, "account restriction")
        if late:
            return late
        previous = account.restrictions or []
        account.restrictions = [
            {
                "restriction_type": item.restriction_type,
                "expires_at": item.expires_at.isoformat() if item.expires_at else None,
            }
            for item in event.restrictions
        ]
        account.restrictions_event_at = at
        account.restricted_from_starting_until = restricted_until(account.restrictions)
        locked.dirty.add(account)
        if account.restrictions == previous:
            return []
        if event.restrictions:
            sentence = " ".join(
                restriction_sentence(item.restriction_type, item.expires_at)
                for item in event.restrictions
            )
        else:
            sentence = "Meta lifted this account's restrictions."
        return [
            change(
                kind=PathChangeKind.ACCOUNT_RESTRICTION,
                what_happened="RESTRICTED" if event.restrictions else "RESTRICTION_LIFTED",
                previous=",".join(item["restriction_type"] for item in previous),
                new=",".join(item["restriction_type"] for item in account.restrictions),
                sentence=sentence,
                sending=sending(),
                details={"restrictions": account.restrictions},
            )
        ]
    if event.event == "DISABLED_UPDATE":
        late = stale(account.ban_event_at, "account ban")
        if late:
            return late
        previous = account.ban_state
        account.ban_state = event.ban_state or ""
        account.ban_date = event.ban_date
        account.ban_event_at = at
        locked.dirty.add(account)
        if previous == account.ban_state:
            return []
        day = event.ban_date.strftime("%-d %b %Y") if event.ban_date else "a date Meta did not give"
        sentence = {
            "SCHEDULE_FOR_DISABLE": (
                f"Meta scheduled this account to be disabled on {day}: appeal in WhatsApp "
                "Manager before then."
            ),
            "DISABLE": f"Meta disabled this account on {day}.",
            "REINSTATE": f"Meta reinstated this account on {day}.",
        }.get(account.ban_state, f"Meta's ban state for this account: {account.ban_state}.")
        return [
            change(
                kind=PathChangeKind.ACCOUNT_BAN,
                what_happened=account.ban_state,
                previous=previous,
                new=account.ban_state,
                sentence=sentence,
                sending=sending(),
                details={"ban_date": event.ban_date.isoformat() if event.ban_date else None},
            )
        ]
    # ACCOUNT_OFFBOARDED, PARTNER_REMOVED (and any event Meta adds later)
    late = stale(account.connection_event_at, "account connection")
    if late:
        return late
    previous = account.connection_state
    account.connection_state = event.event
    account.connection_event_at = at
    locked.dirty.add(account)
    if previous == event.event:
        return []
    sentence = {
        "PARTNER_REMOVED": "Meta removed this app as a partner of the account: it cannot send.",
        "ACCOUNT_OFFBOARDED": "The account was offboarded from this app: it cannot send.",
    }.get(event.event, f"Meta reported {event.event.replace('_', ' ').lower()} for this account.")
    return [
        change(
            kind=PathChangeKind.ACCOUNT_CONNECTION,
            what_happened=event.event,
            previous=previous,
            new=event.event,
            sentence=sentence,
            sending=sending(),
            details={"disconnection_info": dict(event.disconnection_info)},
        )
    ]


ACCOUNT_FIELDS = [
    "restricted_from_starting_until",
    "review_decision",
    "review_event_at",
    "ban_state",
    "ban_date",
    "ban_event_at",
    "restrictions",
    "restrictions_event_at",
    "violations",
    "connection_state",
    "connection_event_at",
    "max_daily_conversations",
    "max_phone_numbers",
    "capability_event_at",
]
NUMBER_FIELDS = [
    "status",
    "status_changed_at",
    "messaging_limit",
    "max_daily_conversations",
    "throughput_level",
    "limit_changed_at",
    "quality_event_at",
    "name_status",
    "requested_verified_name",
    "name_rejection_reason",
    "name_event_at",
    "verified_name",
]


def _write(locked: _Locked) -> None:
    accounts = [row for row in locked.dirty if isinstance(row, BusinessAccount)]
    numbers = [row for row in locked.dirty if isinstance(row, PhoneNumber)]
    if accounts:
        BusinessAccount.objects.bulk_update(accounts, ACCOUNT_FIELDS)
    if numbers:
        PhoneNumber.objects.bulk_update(numbers, NUMBER_FIELDS)


# --- restrictions whose expiry passed -----------------------------------------------------------


def end_expired_restrictions(*, now: datetime | None = None) -> list[SendingPathChange]:
    """Drop each account's restrictions whose expiry passed, and run the reaction list for them:
    campaigns that opted in resume once nothing else blocks the account."""
    now = now or timezone.now()
    changes: list[SendingPathChange] = []
    with transaction.atomic():
        candidates = (
            BusinessAccount.objects.select_for_update()
            .filter(released_at__isnull=True)
            .exclude(restrictions=[])
            .order_by("pk")
        )
        for account in candidates:
            current = account.restrictions or []
            kept = active_restrictions(account, now=now)
            if len(kept) == len(current):
                continue
            # Before this check every restriction it ends was still in force.
            blocked_before = bool(campaign_blockers(account, now=datetime.min.replace(tzinfo=UTC)))
            ended = [item for item in current if item not in kept]
            account.restrictions = kept
            account.restricted_from_starting_until = restricted_until(kept)
            account.save(update_fields=["restrictions", "restricted_from_starting_until"])
            blocked = bool(campaign_blockers(account, now=now))
            words = " ".join(
                f"The restriction {RESTRICTION_WORDS.get(item['restriction_type'], '')} ended "
                f"on {when(datetime.fromisoformat(item['expires_at']))}.".replace("  ", " ")
                for item in ended
            )
            changes.append(
                SendingPathChange(
                    account=account,
                    kind=PathChangeKind.ACCOUNT_RESTRICTION,
                    what_happened="RESTRICTION_EXPIRED",
                    previous=",".join(item["restriction_type"] for item in current),
                    new=",".join(item["restriction_type"] for item in kept),
                    sentence=words,
                    occurred_at=now,
                    source=ChangeSource.SYNC,
                    sending=SendingEffect.ALLOWS
                    if blocked_before and not blocked
                    else SendingEffect.NONE,
                    details={"restrictions": kept, "ended": ended},
                )
            )
        react_to_sending_path_changes(changes)
    return changes


# --- Meta's own answer, read by the sync --------------------------------------------------------


def health_sentence(health: HealthStatus, whose: str) -> str:
    """Meta's verdict on `whose`, quoting its errors and what it suggests."""
    if not health.blocked and health.can_send_message != "LIMITED":
        return f"Meta's health check says {whose} can send again."
    how = "cannot send" if health.blocked else "can only partly send"
    said = [
        error.error_description
        for entity in health.entities
        for error in entity.errors
        if error.error_description
    ]
    said += [info for entity in health.entities for info in entity.additional_info]
    sentence = f"Meta's health check says {whose} {how}"
    sentence += f": {' '.join(said)}" if said else "."
    solutions = health.possible_solutions()
    if solutions:
        sentence += f" Meta suggests: {' '.join(solutions)}"
    return sentence


def refresh_sending_path_health(*, account: BusinessAccount, client: Any) -> list[str]:
    """Ask Meta whether the account and each of its numbers can send, keep the answers, and
    run the reaction list for what changed. Returns notes on what Meta sent unreadable.

    The questions go out first, outside any transaction; the answers are applied together.
    Raises GraphError when Meta does not answer.
    """
    asked_at = timezone.now()
    account_health = client.health_status(account.waba_id)
    numbers = list(account.phone_numbers.order_by("pk"))
    notes = [f"health of {account.waba_id}: {note}" for note in account_health.warnings]
    snapshots: dict[Any, PhoneNumberSnapshot] = {}
    for number in numbers:
        try:
            snapshots[number.pk] = client.phone_number(number.phone_number_id)
        except (GraphTokenInvalid, GraphRateLimited):
            raise
        except GraphError as exc:
            # One number Meta does not show this token is not the account's failure.
            notes.append(f"number {number.phone_number_id} could not be read: {exc}")
    with transaction.atomic():
        locked = BusinessAccount.objects.select_for_update().get(pk=account.pk)
        now = timezone.now()
        blocked_before = bool(campaign_blockers(locked, now=now))
        changes: list[SendingPathChange] = []
        previous = (locked.health_status or {}).get("can_send_message", "")
        locked.health_status = account_health.as_json()
        locked.health_blocked = account_health.blocked
        locked.health_checked_at = asked_at
        locked.save(update_fields=["health_status", "health_blocked", "health_checked_at"])
        blocked = bool(campaign_blockers(locked, now=now))
        if _is_news(previous, account_health.can_send_message):
            changes.append(
                SendingPathChange(
                    account=locked,
                    kind=PathChangeKind.META_HEALTH,
                    what_happened=account_health.can_send_message,
                    previous=previous,
                    new=account_health.can_send_message,
                    sentence=health_sentence(account_health, "this account"),
                    occurred_at=asked_at,
                    source=ChangeSource.SYNC,
                    sending=SendingEffect.STOPS
                    if blocked and not blocked_before
                    else SendingEffect.ALLOWS
                    if blocked_before and not blocked
                    else SendingEffect.NONE,
                    details={"possible_solutions": account_health.possible_solutions()},
                )
            )
        for number in (
            PhoneNumber.objects.select_for_update()
            .filter(pk__in=[number.pk for number in numbers])
            .order_by("pk")
        ):
            snapshot = snapshots.get(number.pk)
            if snapshot is None:
                continue
            if snapshot.health is not None:
                notes += [
                    f"health of {number.phone_number_id}: {n}" for n in snapshot.health.warnings
                ]
            changes += _apply_snapshot(locked, number, snapshot, asked_at=asked_at)
        react_to_sending_path_changes(changes)
    for note in notes:
        logger.warning("Meta's health answer for %s: %s", account.waba_id, note)
    return notes


def _is_news(previous: str, now: str) -> bool:
    """A changed answer is news; the first answer only when it is not AVAILABLE."""
    return bool(now) and now != previous and (bool(previous) or now != "AVAILABLE")


def _apply_snapshot(
    account: BusinessAccount, number: PhoneNumber, snapshot: Any, *, asked_at: datetime
) -> list[SendingPathChange]:
    changes: list[SendingPathChange] = []
    shown = number.display_phone_number

    def change(**values: Any) -> None:
        changes.append(
            SendingPathChange(
                account=account,
                phone_number=number,
                occurred_at=asked_at,
                source=ChangeSource.SYNC,
                **values,
            )
        )

    if snapshot.quality_rating and snapshot.quality_rating != number.quality_rating:
        previous = number.quality_rating
        number.quality_rating = snapshot.quality_rating
        number.quality_changed_at = asked_at
        change(
            kind=PathChangeKind.NUMBER_QUALITY,
            what_happened=f"QUALITY_{snapshot.quality_rating}",
            previous=previous,
            new=snapshot.quality_rating,
            sentence=f"Meta rates number {shown}'s quality {snapshot.quality_rating.lower()}.",
        )
    # A webhook dated after this answer was asked for knows better.
    newer_news = number.quality_event_at is not None and number.quality_event_at > asked_at
    if snapshot.status and snapshot.status != number.status and not newer_news:
        previous = number.status
        number.status = snapshot.status
        number.status_changed_at = asked_at
        number.quality_event_at = asked_at
        happened = snapshot.status
        if previous == "FLAGGED" and snapshot.status == "CONNECTED":
            happened = "UNFLAGGED"
        change(
            kind=PathChangeKind.NUMBER_QUALITY,
            what_happened=happened,
            previous=previous,
            new=snapshot.status,
            sentence=(
                f"Meta flagged number {shown} for low quality: fix the number's quality within "
                "7 days or its messaging limit drops."
                if happened == "FLAGGED"
                else f"Meta reports number {shown} as {snapshot.status.lower()}."
            ),
        )
    if snapshot.messaging_limit_tier and snapshot.messaging_limit_tier != number.messaging_limit:
        number.messaging_limit = snapshot.messaging_limit_tier
        number.limit_changed_at = asked_at
    if snapshot.throughput_level:
        number.throughput_level = snapshot.throughput_level
    if snapshot.name_status:
        number.name_status = snapshot.name_status
    if snapshot.health is not None:
        previous = (number.health_status or {}).get("can_send_message", "")
        number.health_status = snapshot.health.as_json()
        number.health_blocked = snapshot.health.blocked
        number.health_checked_at = asked_at
        if _is_news(previous, snapshot.health.can_send_message):
            change(
                kind=PathChangeKind.META_HEALTH,
                what_happened=snapshot.health.can_send_message,
                previous=previous,
                new=snapshot.health.can_send_message,
                sentence=health_sentence(snapshot.health, f"number {shown}"),
                details={"possible_solutions": snapshot.health.possible_solutions()},
            )
    number.save(
        update_fields=[
            "quality_rating",
            "quality_changed_at",
            "status",
            "status_changed_at",
            "quality_event_at",
            "messaging_limit",
            "limit_changed_at",
            "throughput_level",
            "name_status",
            "health_status",
            "health_blocked",
            "health_checked_at",
        ]
    )
    return changes
