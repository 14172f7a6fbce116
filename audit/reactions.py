"""The audit trail follows Meta's news: every entry of a unit of work in one INSERT."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
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
    left: dict[int, list[services.Entry]] = defaultdict(list)
    for effect in context.audit_entries:
        left[effect.position].append(effect.value)
    entries: list[services.Entry] = []
    for position, change in enumerate(changes):
        entries.extend(left.pop(position, []))
        entries.append(services.template_change_entry(change))
    services.record_unread(entries)


def react_to_account_events(
    events: Sequence[BusinessAccountEvent], context: ReactionContext
) -> None:
    services.record_many(services.account_event_entry(event) for event in events)


def react_to_sending_path_changes(changes: Sequence[Any], context: ReactionContext) -> None:
    """Each number's or account's change in a sentence, after what its campaigns left."""
    left: dict[int, list[services.Entry]] = defaultdict(list)
    for effect in context.audit_entries:
        left[effect.position].append(effect.value)
    entries: list[services.Entry] = []
    for position, change in enumerate(changes):
        entries.extend(left.pop(position, []))
        entries.append(services.sending_path_entry(change))
    services.record_unread(entries)
