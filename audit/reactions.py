"""The audit trail follows Meta's news: every entry of a unit of work in one INSERT."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from audit import services
from templates_app.changes import (
    BusinessAccountEvent,
    ReactionContext,
    TemplateChange,
)


def react(changes: Sequence[TemplateChange], context: ReactionContext) -> None:
    """Each change's entries in its order: the campaigns and alerts it moved (left by their
    reactions), then the template's own."""
    _record_in_order(changes, context, services.template_change_entry)


def react_to_account_events(
    events: Sequence[BusinessAccountEvent], context: ReactionContext
) -> None:
    services.record_many(services.account_event_entry(event) for event in events)


def react_to_sending_path_changes(changes: Sequence[Any], context: ReactionContext) -> None:
    """Each number's or account's change in a sentence, after what its campaigns left."""
    _record_in_order(changes, context, services.sending_path_entry)


def _record_in_order(
    changes: Sequence[Any], context: ReactionContext, entry_of: Callable[[Any], services.Entry]
) -> None:
    """One INSERT of the unit of work's entries: for each change, what the earlier reactions
    left for it (by its position), then its own entry."""
    left = context.effects_by_position(context.audit_entries)
    entries: list[services.Entry] = []
    for position, change in enumerate(changes):
        entries.extend(left.pop(position, []))
        entries.append(entry_of(change))
    services.record_unread(entries)
