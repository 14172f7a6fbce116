"""Rows appended during one unit of work, inserted together when it ends.

A webhook delivery of many changes makes, for each, an audit entry and live messages: one
INSERT apiece, a round trip each. Inside `collecting()`, `insert()` holds such rows back, and
the outermost block's end inserts each model's rows in one `bulk_create`, still inside the
caller's transaction. Outside any block `insert()` writes at once, so a service behaves the same
whoever calls it.

Blocks nest like savepoints, and are meant to sit just inside one: an inner block that raises
drops its rows (the savepoint it sits in undoes the rest of its writes); one that ends well
hands them to the block around it.

    with transaction.atomic(), bulk_writes.collecting():
        ...  # audit.record(...), broadcast(...): held back
    # inserted here, before the transaction commits

Only rows nothing reads back before the block ends belong here (an append-only log, outgoing
messages): a held-back row has no primary key yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from django.db.models import Model

M = TypeVar("M", bound=Model)

# Called once per insert with every row it inserted for that callback (primary keys set).
AfterInsert = Callable[[list[Model]], None]


class _HeldRows:
    def __init__(self) -> None:
        self.rows: dict[type[Model], list[Model]] = {}
        self.callbacks: dict[AfterInsert, list[Model]] = {}

    def hold(self, rows: Sequence[Model], after: AfterInsert | None) -> None:
        for row in rows:
            self.rows.setdefault(type(row), []).append(row)
        if after is not None:
            self.callbacks.setdefault(after, []).extend(rows)

    def take(self, inner: _HeldRows) -> None:
        for model, rows in inner.rows.items():
            self.rows.setdefault(model, []).extend(rows)
        for callback, rows in inner.callbacks.items():
            self.callbacks.setdefault(callback, []).extend(rows)

    def insert(self) -> None:
        for model, rows in self.rows.items():
            model._default_manager.bulk_create(rows)
        for callback, rows in self.callbacks.items():
            callback(rows)


_held: ContextVar[_HeldRows | None] = ContextVar("pytake_held_rows", default=None)


@contextmanager
def collecting() -> Iterator[None]:
    """Hold back the rows `insert()` is given until the outermost block ends well."""
    outer = _held.get()
    held = _HeldRows()
    token = _held.set(held)
    try:
        yield
    finally:
        _held.reset(token)
    # Reached only when the block ended well: a raising block's rows are dropped with it.
    if outer is None:
        held.insert()
    else:
        outer.take(held)


def insert(rows: Sequence[M], *, after: AfterInsert | None = None) -> Sequence[M]:
    """Insert `rows` (all of one model) now, or when the enclosing `collecting()` block ends.

    `after` is called with the rows once they are inserted, once for all the rows handed to it
    within a block (e.g. to send every live message of a delivery in one go).
    """
    held = _held.get()
    if held is None:
        created = type(rows[0])._default_manager.bulk_create(rows) if rows else []
        if after is not None and created:
            after(list(created))
        return created
    held.hold(rows, after)
    return rows
