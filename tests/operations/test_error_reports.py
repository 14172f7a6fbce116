"""With SENTRY_DSN set, a view's error reaches Sentry without the request's body or secrets.

The DSN names a real local HTTP server standing in for Sentry; the SDK posts its envelope to
/api/<project>/envelope/ there.
"""

from __future__ import annotations

import gzip
import json
import time
from urllib.parse import parse_qsl

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request

from tests.servers import asgi_server

pytestmark = pytest.mark.django_db

PROJECT = "42"
SECRETS = {
    "body": "body-secret-card-4111111111111111",
    "authorization": "Token api-token-secret-0123456789",
    "signature": "sha256=signature-secret-abcdef",
    "query token": "query-token-secret-42",
    "verify token": "verify-token-secret-43",
    "cookie": "session-cookie-secret-44",
}
ENVELOPE_WITHIN_SECONDS = 15


def envelope_text(request: Request) -> str:
    raw = request.get_data()
    if request.headers.get("Content-Encoding") == "gzip":
        raw = gzip.decompress(raw)
    return raw.decode()


def envelope_items(request: Request) -> list[dict]:
    """The JSON items of one envelope (header line, then an item header and payload each)."""
    lines = envelope_text(request).splitlines()
    return [json.loads(line) for line in lines[1:] if line.strip()]


def test_a_view_error_reaches_sentry_without_body_or_secrets(httpserver: HTTPServer, tmp_path):
    httpserver.expect_request(f"/api/{PROJECT}/envelope/", method="POST").respond_with_data("{}")
    dsn = f"http://publickey@127.0.0.1:{httpserver.port}/{PROJECT}"
    env = {
        "SENTRY_DSN": dsn,
        "PYTAKE_URLCONF": "tests.operations.failing_urls",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'errors.sqlite3'}",
        "REDIS_URL": "",
        "LOG_LEVEL": "INFO",
    }

    with asgi_server(env) as server:
        response = httpx.post(
            f"http://{server}/test-failure",
            params={"token": SECRETS["query token"], "hub.verify_token": SECRETS["verify token"]},
            content=json.dumps({"card": SECRETS["body"]}),
            headers={
                "Content-Type": "application/json",
                "Authorization": SECRETS["authorization"],
                "X-Hub-Signature-256": SECRETS["signature"],
                "Cookie": f"sessionid={SECRETS['cookie']}",
            },
        )
        deadline = time.monotonic() + ENVELOPE_WITHIN_SECONDS
        while not httpserver.log and time.monotonic() < deadline:
            time.sleep(0.1)

    assert response.status_code == 500
    assert httpserver.log, "no envelope reached the Sentry stand-in"
    requests = [request for request, _ in httpserver.log]
    events = [
        item for request in requests for item in envelope_items(request) if "exception" in item
    ]
    assert len(events) == 1
    event = events[0]
    exception = event["exception"]["values"][-1]
    assert exception["type"] == "DeliberateFailure"
    assert exception["value"] == "the view failed on purpose"
    sent = event["request"]
    assert sent["url"].endswith("/test-failure")
    assert sent["method"] == "POST"
    assert "data" not in sent
    headers = {name.lower(): value for name, value in sent["headers"].items()}
    assert headers["authorization"] == "[Filtered]"
    assert headers["x-hub-signature-256"] == "[Filtered]"
    assert headers["content-type"] == "application/json"  # what is harmless stays
    query = dict(parse_qsl(sent["query_string"]))
    assert query == {"token": "[Filtered]", "hub.verify_token": "[Filtered]"}
    everything = "".join(envelope_text(request) for request in requests)
    for name, secret in SECRETS.items():
        assert secret not in everything, f"the {name} reached Sentry"
