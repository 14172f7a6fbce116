"""Names people give (organizations, business accounts, templates, campaigns): one rule for all.

A name goes out in email subjects, Slack messages and log lines, where a line break or another
control character breaks the header or forges a line; so it is refused where it comes in, by
the service that writes it, for the admin and the API alike.
"""

from __future__ import annotations

import unicodedata

from pytake.exceptions import ApplicationError

# Control characters (C0, DEL, C1) and the Unicode line and paragraph separators.
REFUSED_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


def check_name(value: str, *, field: str = "name") -> str:
    """`value` unchanged, or ApplicationError (400) on `field` if it holds a control character."""
    for character in value:
        if unicodedata.category(character) in REFUSED_CATEGORIES:
            message = (
                "A name cannot hold a line break, a tab or another control character "
                f"(found U+{ord(character):04X})."
            )
            raise ApplicationError(message, extra={field: [message]})
    return value
