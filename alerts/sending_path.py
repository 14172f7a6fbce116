"""Alerts follow the news of phone numbers and business accounts: raised (or repeated),
escalated and resolved as a template's are, one open alert per account and kind."""

from __future__ import annotations

from collections.abc import Sequence

from alerts.rules import Raise, sending_path_consequences
from alerts.services.lifecycle import _locked_open, _resolve, raise_alert
from audit.models import AuditLog
from templates_app.changes import ReactionContext
from templates_app.path_changes import SendingPathChange


def react(changes: Sequence[SendingPathChange], context: ReactionContext) -> None:
    for position, change in enumerate(changes):
        account = change.account
        for consequence in sending_path_consequences(change):
            if isinstance(consequence, Raise):
                rule = consequence.rule
                title = _title(change, rule.predicate, context, position)
                # raise_alert sends the live message and queues the notification itself.
                raise_alert(
                    business_account=account,
                    phone_number=change.phone_number,
                    kind=rule.kind,
                    severity=rule.severity,
                    title=title[:300],
                    data={
                        "business_account_id": str(account.pk),
                        "business_account_name": account.name,
                        "waba_id": account.waba_id,
                        "phone_number_id": str(change.phone_number.pk)
                        if change.phone_number is not None
                        else None,
                        "event": change.what_happened,
                        "reason": change.sentence,
                        **{key: _json_ready(value) for key, value in change.details.items()},
                    },
                    seen_at=change.occurred_at,
                )
            else:
                open_alerts = _locked_open(
                    {
                        "template": None,
                        "business_account": account,
                        "phone_number": change.phone_number,
                    },
                    kinds=consequence.kinds,
                )
                if open_alerts:
                    _resolve(
                        open_alerts,
                        resolution=change.sentence[:300],
                        actor=None,
                        actor_type=AuditLog.ActorType.META
                        if change.source == "meta"
                        else AuditLog.ActorType.SYSTEM,
                        event_at=change.occurred_at,
                        delivery_id=change.delivery_id,
                    )


def _json_ready(value: object) -> object:
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)


def _title(
    change: SendingPathChange, sentence: str, context: ReactionContext, position: int
) -> str:
    """Meta's news in a sentence, naming the account, and the campaigns it paused."""
    account = change.account
    paused = len(context.campaigns_paused.get(account.pk, []))
    held = f" {paused} campaign{'s' if paused != 1 else ''} paused." if paused else ""
    return f"{account.name}: {sentence}{held}"
