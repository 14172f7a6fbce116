"""API tokens (knox) sent as `Authorization: Token <key>` or `Authorization: Bearer <key>`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox import auth
from rest_framework import exceptions
from rest_framework.authentication import get_authorization_header
from rest_framework.request import Request

BEARER = b"bearer"


class TokenAuthentication(auth.TokenAuthentication):
    """knox's authentication, with `Bearer` accepted beside its own `Token` prefix: most HTTP
    clients and tools send a token that way."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != BEARER:
            return super().authenticate(request)
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid token header. Send one token after the Bearer prefix, without spaces.")
            )
        return self.authenticate_credentials(header[1])


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "pytake.api.authentication.TokenAuthentication"
    name = ["knoxApiToken", "bearerAuth"]

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, Any]]:
        return [
            build_bearer_security_scheme_object(
                header_name="Authorization", token_prefix=self.target.authenticate_header("")
            ),
            {"type": "http", "scheme": "bearer", "description": "The same token, as Bearer."},
        ]

    def get_security_requirement(self, auto_schema: Any) -> list[dict[str, list[Any]]]:
        return [{"knoxApiToken": []}, {"bearerAuth": []}]
