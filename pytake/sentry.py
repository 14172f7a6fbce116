"""Error reports to Sentry (SENTRY_DSN), with no request body and no secret attached.

The SDK is told to send no personal data, no request bodies and no local variables (a view's
locals hold the raw webhook body and the secrets it was checked with); `scrub` then blanks
what is left that could carry a credential: the headers and query values below, and cookies.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

FILTERED = "[Filtered]"

# Compared lower-cased, with "-" and "_" the same.
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy_authorization",
        "cookie",
        "set_cookie",
        "x_hub_signature",
        "x_hub_signature_256",
        "x_csrftoken",
        "sec_websocket_protocol",  # carries an API token when a client authenticates with it
        "webhook_signature",
    }
)
SECRET_QUERY_NAMES = frozenset(
    {"token", "access_token", "hub.verify_token", "verify_token", "key", "secret", "password"}
)


def _normalized(name: str) -> str:
    return name.lower().replace("-", "_")


def _scrub_query(query: Any) -> Any:
    if isinstance(query, str):
        pairs = parse_qsl(query, keep_blank_values=True)
        return urlencode(
            [(name, FILTERED if name.lower() in SECRET_QUERY_NAMES else v) for name, v in pairs]
        )
    if isinstance(query, dict):
        return {
            name: FILTERED if str(name).lower() in SECRET_QUERY_NAMES else value
            for name, value in query.items()
        }
    return FILTERED


def scrub(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """`before_send`: blank secret headers, query values and cookies; drop any body."""
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("data", None)
        request.pop("cookies", None)
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {
                name: FILTERED if _normalized(name) in SECRET_HEADERS else value
                for name, value in headers.items()
            }
        if request.get("query_string"):
            request["query_string"] = _scrub_query(request["query_string"])
        if isinstance(request.get("url"), str) and "?" in request["url"]:
            base, _, query = request["url"].partition("?")
            request["url"] = f"{base}?{_scrub_query(query)}"
    return event


def init_sentry(*, dsn: str, environment: str) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        event_scrubber=EventScrubber(
            denylist=[*DEFAULT_DENYLIST, "x_hub_signature_256", "verify_token"], recursive=True
        ),
        before_send=scrub,
    )
