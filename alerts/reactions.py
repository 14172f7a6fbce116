"""Alerts follow Meta's news: raised, repeated, escalated or resolved for the whole unit of work
at once, then notified in one task."""

from __future__ import annotations

from collections.abc import Sequence

from alerts.services import channels, lifecycle
from templates_app.changes import BusinessAccountEvent, ReactionContext, TemplateChange


def react(changes: Sequence[TemplateChange], context: ReactionContext) -> None:
    lifecycle.apply_template_changes(changes, context)


def notify(changes: Sequence[TemplateChange], context: ReactionContext) -> None:
    """The new alerts of the unit of work, notified once it commits: one task."""
    if context.new_alert_ids:
        channels.enqueue_notifications(context.new_alert_ids)


def react_to_account_events(
    events: Sequence[BusinessAccountEvent], context: ReactionContext
) -> None:
    """A token Meta refuses, or an account released to its proven owner: its people must know."""
    for event in events:
        lifecycle.follow_account_event(event=event)
