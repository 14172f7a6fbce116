"""One verdict per business account and per phone number: can it send?

Read from what Meta's webhooks told (`templates_app.services.sending_path` keeps it) and from
Meta's last health answer (`health_status`, read by the sync). `yes`, `limited` or `no`, each
with its reasons and what to do, in sentences. Reads only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from templates_app.attention import Guidance, Severity
from templates_app.models import BusinessAccount, PhoneNumber
from templates_app.services.sending_path import (
    STOPS_CAMPAIGNS,
    active_restrictions,
    limit_words,
    restriction_sentence,
)

YES, LIMITED, NO = "yes", "limited", "no"
_RANK = {YES: 0, LIMITED: 1, NO: 2}
# Meta's can_send_message, in our words.
META_VERDICT = {"AVAILABLE": YES, "LIMITED": LIMITED, "BLOCKED": NO}
CAN_SEND = "It can send."
BLOCKED_NUMBER_STATUSES = frozenset({"BANNED", "RESTRICTED", "DISCONNECTED", "DELETED"})


@dataclass
class Verdict:
    can_send: str = YES
    reasons: list[str] = field(default_factory=list)
    what_to_do: list[str] = field(default_factory=list)

    def add(self, can_send: str, reason: str, what_to_do: str = "") -> None:
        if _RANK[can_send] > _RANK[self.can_send]:
            self.can_send = can_send
        self.reasons.append(reason)
        if what_to_do and what_to_do not in self.what_to_do:
            self.what_to_do.append(what_to_do)

    def guidance(self) -> Guidance:
        """The verdict as every page and message shows it: the reasons and the steps, each as
        one text; a number or account that cannot send at all ranks as a blocked path."""
        return Guidance(
            why=" ".join(self.reasons) or CAN_SEND,
            what_to_do=" ".join(self.what_to_do),
            severity=Severity.PATH_BLOCKED if self.can_send == NO else None,
        )

    def include(self, other: Verdict) -> None:
        for reason in other.reasons:
            self.reasons.append(reason)
        self.can_send = worst([self.can_send, other.can_send])
        for step in other.what_to_do:
            if step not in self.what_to_do:
                self.what_to_do.append(step)


def worst(verdicts: Iterable[str]) -> str:
    return max(verdicts, key=_RANK.__getitem__, default=YES)


def _meta_health(verdict: Verdict, health: dict[str, Any], whose: str) -> None:
    """Meta's own answer: each entity it does not call AVAILABLE, with its words."""
    overall = META_VERDICT.get(str(health.get("can_send_message", "")).upper())
    if overall is None or overall == YES:
        return
    entities = [e for e in health.get("entities") or [] if isinstance(e, dict)]
    told = False
    for entity in entities:
        entity_verdict = META_VERDICT.get(str(entity.get("can_send_message", "")).upper())
        if entity_verdict in (None, YES):
            continue
        kind = str(entity.get("entity_type", "entity")).replace("_", " ").lower()
        for error in entity.get("errors") or []:
            if isinstance(error, dict):
                told = True
                how = "cannot" if entity_verdict == NO else "can only partly"
                verdict.add(
                    entity_verdict,
                    f"Meta says the {kind} {how} send: "
                    f"{error.get('error_description') or 'no description given'}",
                    str(error.get("possible_solution") or ""),
                )
        for info in entity.get("additional_info") or []:
            told = True
            verdict.add(entity_verdict, f"Meta says about the {kind}: {info}")
    if not told:
        verdict.add(
            overall,
            f"Meta's health check says {whose} {'cannot send' if overall == NO else 'is limited'}.",
            "Open WhatsApp Manager to see why.",
        )


def account_verdict(account: BusinessAccount, *, now: datetime | None = None) -> Verdict:
    now = now or timezone.now()
    verdict = Verdict()
    if account.ban_state == "DISABLE":
        verdict.add(
            NO,
            "Meta disabled this business account.",
            "Appeal in WhatsApp Manager's Account quality page.",
        )
    elif account.ban_state == "SCHEDULE_FOR_DISABLE":
        day = account.ban_date.strftime("%-d %b %Y") if account.ban_date else "soon"
        verdict.add(
            LIMITED,
            f"Meta will disable this business account on {day}.",
            "Appeal in WhatsApp Manager before that date.",
        )
    if account.connection_state == "PARTNER_REMOVED":
        verdict.add(
            NO,
            "Meta removed this app's access to the business account.",
            "Ask the business to share the account with this app again.",
        )
    elif account.connection_state == "ACCOUNT_OFFBOARDED":
        verdict.add(
            NO,
            "The business account was offboarded from this app.",
            "Onboard the account again.",
        )
    for item in active_restrictions(account, now=now):
        kind = item["restriction_type"]
        expires = item.get("expires_at")
        sentence = restriction_sentence(kind, datetime.fromisoformat(expires) if expires else None)
        if kind in STOPS_CAMPAIGNS:
            verdict.add(
                NO, sentence, "Wait for the restriction to end; campaigns resume if they opted in."
            )
        else:
            verdict.add(LIMITED, sentence)
    if account.review_decision == "REJECTED":
        verdict.add(
            NO, "Meta rejected this business account in its review.", "Request a new review."
        )
    if account.violations:
        last = account.violations[-1]
        verdict.add(
            LIMITED,
            "Meta found a policy violation on this account: "
            f"{str(last.get('violation_type', '')).replace('_', ' ').lower()}.",
            "Read Meta's policy notice in WhatsApp Manager and stop what caused it.",
        )
    _meta_health(verdict, account.health_status or {}, "this business account")
    return verdict


def number_verdict(number: PhoneNumber, account: Verdict) -> Verdict:
    verdict = Verdict()
    shown = number.display_phone_number
    if account.can_send == NO:
        verdict.add(NO, "Its business account cannot send.")
    if number.status.upper() in BLOCKED_NUMBER_STATUSES:
        verdict.add(
            NO,
            f"Meta reports number {shown} as {number.status.lower()}.",
            "See the number in WhatsApp Manager.",
        )
    elif number.status.upper() == "FLAGGED":
        verdict.add(
            LIMITED,
            f"Meta flagged number {shown} for low quality.",
            "Fix the number's quality within 7 days or its messaging limit drops.",
        )
    if number.quality_rating.upper() == "RED":
        verdict.add(
            LIMITED,
            f"Number {shown} has low quality.",
            "Send fewer messages people do not expect; read their feedback.",
        )
    if number.name_status.upper() == "REJECTED":
        why = f": {number.name_rejection_reason}" if number.name_rejection_reason else "."
        verdict.add(
            LIMITED,
            f"Meta rejected the display name of number {shown}{why}",
            "Request a display name that follows Meta's guidelines.",
        )
    _meta_health(verdict, number.health_status or {}, f"number {shown}")
    return verdict


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def number_health(number: PhoneNumber, account: Verdict) -> dict[str, Any]:
    verdict = number_verdict(number, account)
    guidance = verdict.guidance()
    return {
        "id": str(number.pk),
        "phone_number_id": number.phone_number_id,
        "display_phone_number": number.display_phone_number,
        "can_send": verdict.can_send,
        "why": guidance.why,
        "action_required": guidance.what_to_do,
        "reasons": verdict.reasons,
        "what_to_do": verdict.what_to_do,
        "status": number.status or None,
        "status_changed_at": _when(number.status_changed_at),
        "quality_rating": number.quality_rating or None,
        "quality_changed_at": _when(number.quality_changed_at),
        "messaging_limit": number.messaging_limit or None,
        "messaging_limit_words": limit_words(
            number.messaging_limit or None, number.max_daily_conversations
        )
        if number.messaging_limit or number.max_daily_conversations is not None
        else None,
        "throughput_level": number.throughput_level or None,
        "limit_changed_at": _when(number.limit_changed_at),
        "name_status": number.name_status or None,
        "meta_can_send_message": (number.health_status or {}).get("can_send_message"),
        "health_checked_at": _when(number.health_checked_at),
    }


def account_health(
    account: BusinessAccount,
    numbers: Iterable[PhoneNumber] | None = None,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The account's verdict, with each of its numbers'."""
    now = now or timezone.now()
    verdict = account_verdict(account, now=now)
    guidance = verdict.guidance()
    if numbers is None:
        numbers = sorted(
            account.phone_numbers.all(), key=lambda n: (n.display_phone_number, str(n.pk))
        )
    return {
        "id": str(account.pk),
        "name": account.name,
        "waba_id": account.waba_id,
        "can_send": verdict.can_send,
        "why": guidance.why,
        "action_required": guidance.what_to_do,
        "reasons": verdict.reasons,
        "what_to_do": verdict.what_to_do,
        "review_decision": account.review_decision or None,
        "ban_state": account.ban_state or None,
        "ban_date": account.ban_date.isoformat() if account.ban_date else None,
        "restrictions": [
            {
                "restriction_type": item["restriction_type"],
                "expires_at": item.get("expires_at"),
                "sentence": restriction_sentence(
                    item["restriction_type"],
                    datetime.fromisoformat(item["expires_at"]) if item.get("expires_at") else None,
                ),
            }
            for item in active_restrictions(account, now=now)
        ],
        "violations": list(account.violations or []),
        "max_daily_conversations": account.max_daily_conversations,
        "meta_can_send_message": (account.health_status or {}).get("can_send_message"),
        "health_checked_at": _when(account.health_checked_at),
        "phone_numbers": [number_health(number, verdict) for number in numbers],
    }


def organization_health(accounts: Iterable[BusinessAccount]) -> dict[str, Any]:
    """Every account of the organization, and the worst verdict of all."""
    now = timezone.now()
    rows = [
        account_health(account, now=now)
        for account in accounts.prefetch_related("phone_numbers")  # type: ignore[attr-defined]
    ]
    return {
        "can_send": worst(row["can_send"] for row in rows),
        "accounts": rows,
        "timestamp": now.isoformat(),
    }


def sending_path_of(*, organization_id: Any) -> list[dict[str, Any]]:
    """The organization's live business accounts, each with its numbers and verdicts."""
    now = timezone.now()
    accounts = (
        BusinessAccount.objects.filter(organization_id=organization_id, released_at__isnull=True)
        .prefetch_related("phone_numbers")
        .order_by("name", "pk")
    )
    return [account_health(account, now=now) for account in accounts]
