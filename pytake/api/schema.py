"""The error answers every endpoint shares, documented once for the OpenAPI schema."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers

ERROR = inline_serializer("Error", fields={"detail": serializers.CharField()})


def error_response(description: str, detail: str) -> OpenApiResponse:
    """An answer `{"detail": ...}`, with `detail` as its example."""
    return OpenApiResponse(
        ERROR, description=description, examples=[OpenApiExample(description, {"detail": detail})]
    )


def field_errors(description: str, example: dict[str, list[str]]) -> OpenApiResponse:
    """A 400 that names each faulty field with its messages."""
    return OpenApiResponse(
        OpenApiTypes.OBJECT,
        description=description,
        examples=[OpenApiExample(description, example)],
    )


UNAUTHENTICATED = error_response(
    "No valid token or session", "Authentication credentials were not provided."
)
NOT_ORG_ADMIN = error_response(
    "Only an organization admin or a super admin may read this",
    "Only an organization admin or a super admin may do this.",
)
NOT_FOUND = error_response("Not found, or another organization's", "Not found.")
NO_ORGANIZATION_NAMED = field_errors(
    "A super admin without an organization named none, or a query value is invalid",
    {"organization": ["A super admin without an organization must name one."]},
)
