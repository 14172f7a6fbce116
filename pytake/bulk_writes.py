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
messages): a held-back row has no primary key yet. `gather()` holds back calls the same way, so
that work done once per item (a notification task enqueued) is done once per block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.db.models import Model

M = TypeVar("M", bound=Model)
T = TypeVar("T")

# Called once per block with every item gathered for it (inserted rows have their pk set).
Gathered = Callable[[list[Any]], None]


class _Held:
    def __init__(self) -> None:
        self.rows: dict[type[Model], list[Model]] = {}
        self.calls: dict[Gathered, list[Any]] = {}

    def hold(self, rows: Sequence[Model]) -> None:
        for row in rows:
            self.rows.setdefault(type(row), []).append(row)

    def gather(self, callback: Gathered, items: Sequence[Any]) -> None:
        self.calls.setdefault(callback, []).extend(items)

    def take(self, inner: _Held) -> None:
        for model, rows in inner.rows.items():
            self.rows.setdefault(model, []).extend(rows)
        for callback, items in inner.calls.items():
            self.calls.setdefault(callback, []).extend(items)

    def release(self) -> None:
        for model, rows in self.rows.items():
            model._default_manager.bulk_create(rows)
        for callback, items in self.calls.items():
            callback(items)


_held: ContextVar[_Held | None] = ContextVar("pytake_held_writes", default=None)


@contextmanager
def collecting() -> Iterator[None]:
    """Hold back what `insert()` and `gather()` are given until the outermost block ends well."""
    outer = _held.get()
    held = _Held()
    token = _held.set(held)
    try:
        yield
    finally:
        _held.reset(token)
    # Reached only when the block ended well: a raising block's rows and calls are dropped.
    if outer is None:
        held.release()
    else:
        outer.take(held)


def insert(rows: Sequence[M], *, after: Gathered | None = None) -> Sequence[M]:
    """Insert `rows` (all of one model) now, or when the enclosing `collecting()` block ends.

    `after` is then called with the rows inserted, once for all the rows handed to it within a
    block (e.g. to send every live message of a delivery in one go).
    """
    held = _held.get()
    if held is None:
        created = type(rows[0])._default_manager.bulk_create(rows) if rows else []
        if after is not None and created:
            after(list(created))
        return created
    held.hold(rows)
    if after is not None:
        held.gather(after, rows)
    return rows


def gather(callback: Callable[[list[T]], None], items: Sequence[T]) -> None:
    """Call `callback(items)` now, or once with everything gathered for it when the enclosing
    `collecting()` block ends (after its rows are inserted)."""
    held = _held.get()
    if held is None:
        callback(list(items))
    else:
        held.gather(callback, items)
