"""What the server writes while it serves, as an operator reads it: each warning once, and with
LOG_FORMAT=json nothing but JSON lines."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

from tests.servers import asgi_server

STATIC_FILE = "/static/dashboard/dashboard.js"


def fetch(address: str, path: str, *, method: str = "GET") -> int:
    request = urllib.request.Request(f"http://{address}{path}", method=method, data=None)
    try:
        with urllib.request.urlopen(request, data=b"{}" if method == "POST" else None) as answer:
            answer.read()
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code


def served_log(tmp_path, **env: str) -> list[str]:
    """A refused webhook, a static file twice and an unauthenticated call; the server's lines."""
    log: list[str] = []
    server_env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "WHATSAPP_WEBHOOK_APP_SECRET": "server-log-secret",
        "LOG_LEVEL": "INFO",
        **env,
    }
    with asgi_server(server_env, output=log) as address:
        assert fetch(address, "/api/v1/whatsapp/webhook", method="POST") == 403
        assert fetch(address, STATIC_FILE) == 200
        assert fetch(address, STATIC_FILE) == 200
        assert fetch(address, "/api/v1/campaigns/") == 401
        time.sleep(0.5)  # the last access line
    return log


def test_each_warning_of_a_request_is_logged_once(tmp_path):
    # DEBUG, as `make run` serves: Django's own console handler printed each 4xx a second time.
    log = served_log(tmp_path, DEBUG="true")

    assert sum("Forbidden: /api/v1/whatsapp/webhook" in line for line in log) == 1
    assert sum("Unauthorized: /api/v1/campaigns/" in line for line in log) == 1
    assert not [line for line in log if "StreamingHttpResponse" in line]
    assert sum(f"GET {STATIC_FILE}" in line for line in log) == 2  # the files were served


def test_json_log_format_writes_only_json_lines(tmp_path):
    log = served_log(tmp_path, LOG_FORMAT="json")

    lines = [json.loads(line) for line in log]
    loggers = {line["logger"] for line in lines}
    assert {"uvicorn.error", "uvicorn.access", "django.request"} <= loggers
    [forbidden] = [line for line in lines if line["message"].startswith("Forbidden")]
    assert forbidden["level"] == "WARNING"
    assert forbidden["status_code"] == 403
    assert len(forbidden["request_id"]) == 32
