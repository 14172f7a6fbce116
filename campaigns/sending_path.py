"""Campaigns follow their business account: a restriction from starting conversations, a
disabled, disconnected or BLOCKED account pauses every campaign sending through it; the end of
it resumes those that opted in (`auto_resume`), as a template's return does.

One `UPDATE … RETURNING` per account and direction; a campaign paused by its account is marked
`paused_by_account`. A campaign Meta paused (by its template or its account) resumes only once
both can send again, whichever comes back last; one a person paused waits for a person.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from audit import services as audit
from audit.models import AuditLog
from campaigns.models import Campaign
from live.broadcast import MessageType, message
from pytake.db import update_returning
from templates_app.changes import Effect, ReactionContext
from templates_app.models import BLOCKED_STATUSES
from templates_app.path_changes import SendingEffect, SendingPathChange


def react(changes: Sequence[SendingPathChange], context: ReactionContext) -> None:
    for position, change in enumerate(changes):
        if change.sending is SendingEffect.STOPS:
            moved = pause_campaigns_of_account(change.account, reason=change.sentence)
            _leave(context, position, change, moved, paused=True)
        elif change.sending is SendingEffect.ALLOWS:
            moved = resume_campaigns_of_account(change.account)
            _leave(context, position, change, moved, paused=False)


def pause_campaigns_of_account(account: Any, *, reason: str) -> list[tuple[Any, ...]]:
    """Pause the account's active or scheduled campaigns, with `reason`; returns
    (id, name, template, status before) of each."""
    now = timezone.now()
    sending = Campaign.objects.filter(
        template__business_account=account,
        status__in=Campaign.SENDING_STATUSES,
        deleted_at__isnull=True,
    )
    return update_returning(
        sending,
        {
            "status": Campaign.Status.PAUSED,
            "status_before_pause": F("status"),
            "paused_by_account": True,
            "pause_reason": reason,
            "paused_at": now,
            "updated_at": now,
        },
        returning=["id", "name", "template", "status_before_pause"],
    )


def resume_campaigns_of_account(account: Any) -> list[tuple[Any, ...]]:
    """Resume the campaigns the account paused that opted in, unless their template is blocked;
    returns (id, name, template, status resumed to) of each."""
    now = timezone.now()
    # Paused by Meta (the account, or a template since made sendable), and not by a person.
    resuming = Campaign.objects.filter(
        Q(paused_by_account=True) | Q(paused_by_template=True),
        template__business_account=account,
        status=Campaign.Status.PAUSED,
        auto_resume=True,
        status_before_pause__in=Campaign.SENDING_STATUSES,
        deleted_at__isnull=True,
    ).exclude(template__status__in=BLOCKED_STATUSES)
    return update_returning(
        resuming,
        {
            "status": F("status_before_pause"),
            "status_before_pause": "",
            "paused_by_account": False,
            "paused_by_template": False,
            "pause_reason": "",
            "paused_at": None,
            "updated_at": now,
        },
        returning=["id", "name", "template", "status"],
    )


def _leave(
    context: ReactionContext,
    position: int,
    change: SendingPathChange,
    moved: list[tuple[Any, ...]],
    *,
    paused: bool,
) -> None:
    if not moved:
        return
    account = change.account
    ids = [row[0] for row in moved]
    (context.campaigns_paused if paused else context.campaigns_resumed).setdefault(
        account.pk, []
    ).extend(ids)
    reason = change.sentence if paused else f"{change.sentence} Campaigns that opted in resume."
    action = audit.Action.CAMPAIGN_PAUSED if paused else audit.Action.CAMPAIGN_RESUMED
    for campaign_id, name, _template_id, status in moved:
        context.audit_entries.append(
            Effect(
                position,
                audit.Entry(
                    organization_id=account.organization_id,
                    actor_type=AuditLog.ActorType.META,
                    action=action,
                    target_type=audit.TargetType.CAMPAIGN,
                    target_id=str(campaign_id),
                    target_name=name,
                    changes={
                        "event": change.what_happened,
                        "status": [status, Campaign.Status.PAUSED]
                        if paused
                        else [Campaign.Status.PAUSED, status],
                    },
                    reason=reason,
                    event_at=change.occurred_at,
                    delivery_id=change.delivery_id,
                ),
            )
        )
    context.live_messages.append(
        Effect(
            position,
            message(
                account.organization_id,
                MessageType.CAMPAIGNS_PAUSED if paused else MessageType.CAMPAIGNS_RESUMED,
                {
                    "template_id": None,
                    "business_account_id": account.pk,
                    "campaign_ids": ids,
                    "reason": reason,
                },
            ),
        )
    )
