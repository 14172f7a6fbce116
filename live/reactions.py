"""Live updates follow Meta's news: one INSERT of the unit of work's messages, sent per
organization once it commits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from live.broadcast import MessageType, broadcast_many, message
from live.models import LiveMessage
from templates_app.changes import (
    ChangeKind,
    ReactionContext,
    TemplateChange,
)
from templates_app.guidance import template_guidance

# The message of each kind of template change that browsers hear of.
TEMPLATE_CHANGE_MESSAGES: dict[str, MessageType] = {
    ChangeKind.STATUS: MessageType.TEMPLATE_STATUS_CHANGED,
    ChangeKind.QUALITY: MessageType.TEMPLATE_QUALITY_CHANGED,
    ChangeKind.CATEGORY: MessageType.TEMPLATE_CATEGORY_CHANGED,
}


def react(changes: Sequence[TemplateChange], context: ReactionContext) -> None:
    """Each change's messages in its order: the template's own, then what the campaigns and
    alerts it moved left."""
    _broadcast_in_order(changes, context, template_change_message)


def template_change_message(change: TemplateChange) -> LiveMessage | None:
    """A template's status, quality or category changed: the message its browsers get."""
    message_type = TEMPLATE_CHANGE_MESSAGES.get(change.kind)
    if message_type is None:
        return None
    template = change.template
    payload: dict[str, Any] = {
        "template_id": template.pk,
        "name": template.name,
        "language": template.language,
    }
    if message_type is MessageType.TEMPLATE_STATUS_CHANGED:
        payload |= {
            "previous_status": change.previous,
            "status": change.new,
            "quality_score": change.quality_score,
        }
    elif message_type is MessageType.TEMPLATE_QUALITY_CHANGED:
        payload |= {"previous_quality": change.previous, "quality_score": change.new}
    else:
        # An announced change names the day it takes effect; a done one has none.
        payload |= {
            "previous_category": change.previous,
            "category": change.new,
            "effective_at": change.details.get("effective_at"),
        }
    payload["reason"] = change.reason
    # The row's "Why" and "What to do", in the words the page itself renders.
    guidance = template_guidance(template)
    payload |= {"why": guidance.why, "what_to_do": guidance.what_to_do}
    return message(template.organization_id, message_type, payload)


def react_to_sending_path_changes(changes: Sequence[Any], context: ReactionContext) -> None:
    """Each number's or account's change: its message, then what its campaigns left."""
    _broadcast_in_order(changes, context, sending_path_message)


def _broadcast_in_order(
    changes: Sequence[Any],
    context: ReactionContext,
    message_of: Callable[[Any], LiveMessage | None],
) -> None:
    """One INSERT of the unit of work's messages, sent on commit: for each change its own
    message (if it has one), then what the earlier reactions left for it (by its position)."""
    left = context.effects_by_position(context.live_messages)
    messages: list[LiveMessage] = []
    for position, change in enumerate(changes):
        own = message_of(change)
        if own is not None:
            messages.append(own)
        messages.extend(left.pop(position, []))
    broadcast_many(messages)


def sending_path_message(change: Any) -> LiveMessage:
    """What browsers hear of a number's or account's news: enough to redraw its row."""
    account = change.account
    number = change.phone_number
    payload: dict[str, Any] = {
        "business_account_id": account.pk,
        "kind": str(change.kind),
        "event": change.what_happened,
        "previous": change.previous,
        "new": change.new,
        "reason": change.sentence,
        # Whether it stops the campaigns sending through it, lets them send again, or neither:
        # the page warns of the first at once.
        "sending": str(change.sending),
        "phone_number": None,
    }
    if number is not None:
        payload["phone_number"] = {
            "id": number.pk,
            "display_phone_number": number.display_phone_number,
            "status": number.status,
            "quality_rating": number.quality_rating,
            "messaging_limit": number.messaging_limit,
            "name_status": number.name_status,
        }
    return message(account.organization_id, MessageType.SENDING_PATH_CHANGED, payload)
