"""The one application error type; the API maps it to JSON in one place."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A rule of the domain said no. Carries the HTTP status the API answers with."""

    status_code = 400

    def __init__(self, message: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class ConflictError(ApplicationError):
    """The request is valid but the current state forbids it (HTTP 409)."""

    status_code = 409
