"""Secrets in URLs never reach a log line: `?token=…`, `hub.verify_token=…` and the like.

`RedactSecrets` is a logging filter set on every handler of LOGGING, so it holds for whichever
formatter writes the line and for every logger that reaches a handler, Uvicorn's access log
(`uvicorn.access`) included. It rewrites the record's message, its string arguments and its
string extras (what a structured formatter would print) in place, keeping the arguments'
shape: Uvicorn's access records stay the five values its own formatter expects.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

REDACTED = "[redacted]"

# A query parameter whose name ends in one of these words (`token`, `access_token`,
# `hub.verify_token`, `api_key`, `client_secret`, `key`…; not `monkey`), percent-encoded dots
# included; its value runs to the next separator, quote or blank.
SECRET_PARAMETER = re.compile(
    r"(?P<name>(?<=[?&;])[\w.%-]*?"
    r"(?:token|secret|password|passwd|signature|apikey|(?<![a-z\d])key))"
    r"=(?P<value>[^&;#\s\"'<>]+)",
    re.IGNORECASE,
)

# What every LogRecord has; any other attribute is an extra a formatter may print.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
}


def redact(text: str) -> str:
    """`text` with the value of every secret query parameter replaced by [redacted]."""
    if "=" not in text:
        return text
    return SECRET_PARAMETER.sub(lambda match: f"{match['name']}={REDACTED}", text)


def _redacted(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _redacted(record.msg)
        if isinstance(record.args, Mapping):
            record.args = {name: _redacted(value) for name, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_redacted(value) for value in record.args)
        for name, value in list(vars(record).items()):
            if name not in _STANDARD_ATTRIBUTES and isinstance(value, str):
                setattr(record, name, redact(value))
        # An argument that is not a string may still print a secret: then the whole message,
        # rendered and redacted, takes the place of the format and its arguments.
        if record.args:
            message = record.getMessage()
            if redact(message) != message:
                record.msg, record.args = redact(message), ()
        return True
