"""How the OpenAPI schema describes every operation: a summary and a description from the
view's docstring, and the error answers each operation can give, documented once here."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny

from pytake.api.schema import ERROR

BAD_REQUEST = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description='Invalid input: each faulty field with its messages, or `{"detail": ...}`.',
)
DEFAULT_ERRORS: dict[str, OpenApiResponse] = {
    "401": OpenApiResponse(ERROR, description="No valid token or session."),
    "403": OpenApiResponse(
        ERROR,
        description="Not allowed: an org admin's operation asked by a member, or a session "
        "request without its CSRF token.",
    ),
    "404": OpenApiResponse(ERROR, description="Not found, or another organization's."),
    "429": OpenApiResponse(ERROR, description="Too many requests: retry after a while."),
}
# Methods whose body the view reads.
WRITE_METHODS = {"POST", "PUT", "PATCH"}


def first_sentence(text: str) -> str:
    """A docstring's opening sentence, as an operation's summary."""
    line = text.strip().split("\n\n", 1)[0].replace("\n", " ")
    for end in (". ", ": ", "; "):
        line = line.split(end, 1)[0]
    return line.rstrip(".")


class ApiAutoSchema(AutoSchema):
    def get_summary(self) -> str | None:
        description = self.get_description()
        return first_sentence(description) if description else None

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code, response in self._default_errors().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses

    def _default_errors(self) -> dict[str, OpenApiResponse]:
        errors: dict[str, OpenApiResponse] = {}
        view = self.view
        public = any(
            permission is AllowAny or getattr(permission, "__name__", "") == "AllowAny"
            for permission in getattr(view, "permission_classes", ())
        )
        reads_body = self.method in WRITE_METHODS and self.get_request_serializer() is not None
        # A public view's own parameters (the webhook's handshake) are answered by that view.
        reads_query = bool(self._get_filter_parameters() or self._get_pagination_parameters()) or (
            bool(self.get_override_parameters()) and not public
        )
        if reads_body or reads_query:
            errors["400"] = BAD_REQUEST
        if not public:
            errors["401"] = DEFAULT_ERRORS["401"]
            errors["403"] = DEFAULT_ERRORS["403"]
        if "{" in self.path:
            errors["404"] = DEFAULT_ERRORS["404"]
        if view.get_throttles():
            errors["429"] = DEFAULT_ERRORS["429"]
        return errors


def documented_routes_only(endpoints: list[tuple]) -> list[tuple]:
    """The schema lists each route once, in its slashed form (pytake/api/routes.py)."""
    return [endpoint for endpoint in endpoints if endpoint[0].endswith("/")]


def optional_query_values_may_be_empty(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """`?organization=` is `organization` left out: Django's forms and DRF's serializers read an
    empty optional query value as absent, and the schema says so."""
    for item in result.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
    return result
