"""LOG_FORMAT=json: one JSON object per line, for a log collector to read.

The standard library's logging, so filters on the handlers (a redaction filter, Django's own)
act on each record before it is written, and no dependency is added for forty lines.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from pytake import log_context

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",  # Uvicorn's message again, with terminal colours
}
# Extras that are objects (Django puts the whole request on its lines) are never written: a
# request's repr holds its query string, which may hold a token.
_WRITTEN_EXTRA_TYPES = (str, int, float, bool)


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, the log context (request id, organization, delivery id)
    that applies, scalar extras such as `job` or `status_code`, and the exception's traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(log_context.current())
        for name, value in vars(record).items():
            written = value is None or isinstance(value, _WRITTEN_EXTRA_TYPES)
            if written and name not in _STANDARD_ATTRIBUTES and name not in line:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)
