"""A reaction the tests add at the end of TEMPLATE_REACTIONS: it calls what a test plugged in."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from templates_app.changes import ReactionContext, TemplateChange

plugged: list[Callable[[Sequence[TemplateChange], ReactionContext], None]] = []


def react(changes: Sequence[TemplateChange], context: ReactionContext) -> None:
    for reaction in list(plugged):
        reaction(changes, context)
