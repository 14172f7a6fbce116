from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from pytake.exceptions import ApplicationError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus domain errors and model validation errors as JSON."""
    if isinstance(exc, ApplicationError):
        return Response({"detail": exc.message, **exc.extra}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    return drf_exception_handler(exc, context)


@contextmanager
def service_field_errors() -> Iterator[None]:
    """A service's refusal answered as a serializer's would be: 400 with its field errors (or
    `{"detail": [...]}` when it names no field), never the message twice."""
    try:
        yield
    except ApplicationError as error:
        if error.status_code != 400:
            raise
        fields = {name: value for name, value in error.extra.items() if isinstance(value, list)}
        raise exceptions.ValidationError(fields or {"detail": [error.message]}) from error
