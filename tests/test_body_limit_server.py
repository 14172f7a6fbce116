"""Bodies over the limit are refused by the running server before they are read (413)."""

from __future__ import annotations

import json
import socket
import urllib.request

import pytest

from bench.server import running_server

WEBHOOK = "/api/v1/whatsapp/webhook"
WEBHOOK_LIMIT = 64 * 1024
GENERAL_LIMIT = 128 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Uvicorn, as `make run` and the Dockerfile start it, on an ephemeral port."""
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('server') / 'db.sqlite3'}",
        "WHATSAPP_WEBHOOK_APP_SECRET": "test-secret",
        "WHATSAPP_WEBHOOK_MAX_BODY_BYTES": str(WEBHOOK_LIMIT),
        "MAX_REQUEST_BODY_BYTES": str(GENERAL_LIMIT),
        "LOG_LEVEL": "ERROR",
    }
    with running_server("uvicorn", env=env) as (port, process):
        yield port, process


def exchange(port: int, head: str, body_chunks=(), *, chunked: bool = False) -> tuple[int, dict]:
    """Send a request head and body pieces; return the status and the JSON answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(head.encode())
        for piece in body_chunks:
            connection.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            data = connection.recv(65536)
            if not data:
                break
            answer += data
    status_line, _, rest = answer.partition(b"\r\n")
    _, _, body = rest.partition(b"\r\n\r\n")
    return int(status_line.split()[1]), json.loads(body)


def head(path: str, framing: str) -> str:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"X-Hub-Signature-256: sha256=00\r\n{framing}\r\n\r\n"
    )


def healthy(port: int) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
        return answer.status == 200


def test_a_declared_length_over_the_webhook_limit_is_a_413_before_any_body(server):
    port, _ = server

    # Not a byte of the gigabyte is sent: the answer comes from the headers alone.
    status, body = exchange(port, head(WEBHOOK, f"Content-Length: {10**9}"))

    assert status == 413
    assert body == {"detail": f"Request body exceeds {WEBHOOK_LIMIT} bytes."}
    assert healthy(port)


def test_a_chunked_body_is_cut_at_the_webhook_limit(server):
    port, _ = server
    pieces = [b"\0" * 16384] * (WEBHOOK_LIMIT // 16384 + 2)  # past the limit, never ended

    status, body = exchange(port, head(WEBHOOK, "Transfer-Encoding: chunked"), pieces, chunked=True)

    assert status == 413
    assert body == {"detail": f"Request body exceeds {WEBHOOK_LIMIT} bytes."}
    assert healthy(port)


def test_other_paths_have_the_general_limit(server):
    port, _ = server

    over, over_body = exchange(
        port, head("/api/v1/auth/token", f"Content-Length: {GENERAL_LIMIT + 1}")
    )

    assert over == 413
    assert over_body == {"detail": f"Request body exceeds {GENERAL_LIMIT} bytes."}


def test_a_body_within_the_limit_reaches_the_webhook(server):
    port, _ = server
    payload = b'{"object": "whatsapp_business_account", "entry": []}'

    status, body = exchange(port, head(WEBHOOK, f"Content-Length: {len(payload)}"), [payload])

    assert status == 403  # read in full, then refused for its bad signature by the view
    assert "signature" in body["detail"].lower()


def test_a_content_length_that_is_not_a_number_is_a_400(server):
    port, _ = server

    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(head(WEBHOOK, "Content-Length: lots").encode())
        status_line = connection.recv(4096).split(b"\r\n", 1)[0]

    assert int(status_line.split()[1]) == 400
    assert healthy(port)
