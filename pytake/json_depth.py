"""JSON read with a bound on nesting: deeper than JSON_MAX_DEPTH is refused, never a crash.

Python's decoder recurses once per level: a body a few thousand levels deep raises
RecursionError, which no `except ValueError` catches, and anything that walks the result
recursively (an indenting encoder, a serializer) fails further down. `loads` refuses such a
document with `JSONTooDeepError`, a ValueError, so callers that already handle bad JSON handle
this too.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings


class JSONTooDeepError(ValueError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"JSON nested more than {limit} levels deep is not accepted.")
        self.limit = limit


def max_depth() -> int:
    return settings.JSON_MAX_DEPTH


def loads(text: str | bytes, *, limit: int | None = None, **kwargs: Any) -> Any:
    """`json.loads`, refusing arrays and objects nested more than `limit` (JSON_MAX_DEPTH) deep."""
    limit = max_depth() if limit is None else limit
    try:
        value = json.loads(text, **kwargs)
    except RecursionError:
        raise JSONTooDeepError(limit) from None
    # Cheap first: a document with fewer containers than the limit cannot nest past it.
    if _containers_at_most(text, limit):
        return value
    if nesting_exceeds(value, limit):
        raise JSONTooDeepError(limit)
    return value


def nesting_exceeds(value: Any, limit: int) -> bool:
    """Whether lists and dicts in `value` nest more than `limit` deep (a scalar is 0, `[]` 1)."""
    pending: list[tuple[Any, int]] = [(value, 1)] if isinstance(value, dict | list) else []
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _containers_at_most(text: str | bytes, limit: int) -> bool:
    if isinstance(text, bytes | bytearray):
        return text.count(b"[") + text.count(b"{") <= limit
    return text.count("[") + text.count("{") <= limit
