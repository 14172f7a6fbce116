"""Memory of the server while a 500 MB POST with a bad signature hits the webhook.

    make bench-body                        # = .venv/bin/python -m bench.body_limit
    .venv/bin/python -m bench.body_limit --server daphne --megabytes 500

For each server: start it (on a scratch SQLite database), warm it up, read its resident memory
(VmRSS), stream the body as a client would (Content-Length declared, or chunked), sample the
memory while it does, and read it again a second after the answer.
"""

from __future__ import annotations

import argparse
import select
import socket
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from bench.server import rss_bytes, running_server

CHUNK = 1024 * 1024
WEBHOOK = "/api/v1/whatsapp/webhook"
MB = 1024 * 1024


def post_large_body(port: int, size: int, *, chunked: bool) -> tuple[str, int, float]:
    """(status line, bytes sent, seconds) for one POST of `size` zero bytes."""
    started = time.monotonic()
    sent = 0
    with socket.create_connection(("127.0.0.1", port)) as connection:
        framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
        connection.sendall(
            f"POST {WEBHOOK} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nX-Hub-Signature-256: sha256=00\r\n"
            f"{framing}\r\n\r\n".encode()
        )
        chunk = b"\0" * CHUNK
        try:
            while sent < size:
                readable, _, _ = select.select([connection], [], [], 0)
                if readable:
                    break  # the server answered before the body was sent: stop, read it
                piece = chunk[: size - sent]
                connection.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                sent += len(piece)
            else:
                if chunked:
                    connection.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        connection.settimeout(120)
        try:
            status = connection.recv(4096).split(b"\r\n", 1)[0].decode() or "(closed)"
        except (ConnectionResetError, TimeoutError) as error:
            status = f"({type(error).__name__})"
    return status, sent, time.monotonic() - started


def measure(server: str, megabytes: int, *, chunked: bool) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        env = {
            "DATABASE_URL": f"sqlite:///{Path(scratch) / 'bench.sqlite3'}",
            "WHATSAPP_WEBHOOK_APP_SECRET": "bench-secret",
            "LOG_LEVEL": "ERROR",
        }
        with running_server(server, env=env) as (port, process):
            for _ in range(20):  # warm up: Django loaded, first requests served
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz").read()
            time.sleep(0.5)
            before = rss_bytes(process.pid)
            peak = before
            done = threading.Event()

            def sample() -> None:
                nonlocal peak
                while not done.is_set():
                    peak = max(peak, rss_bytes(process.pid))
                    time.sleep(0.05)

            sampler = threading.Thread(target=sample)
            sampler.start()
            status, sent, seconds = post_large_body(port, megabytes * MB, chunked=chunked)
            time.sleep(1)
            done.set()
            sampler.join()
            after = rss_bytes(process.pid)
            alive = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz").status
    return {
        "server": server,
        "framing": "chunked" if chunked else "content-length",
        "status": status,
        "sent_mb": sent / MB,
        "seconds": seconds,
        "before_mb": before / MB,
        "peak_mb": peak / MB,
        "after_mb": after / MB,
        "healthz_after": alive,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", choices=["uvicorn", "daphne", "both"], default="both")
    parser.add_argument("--megabytes", type=int, default=500)
    args = parser.parse_args()
    servers = ["daphne", "uvicorn"] if args.server == "both" else [args.server]
    print(
        f"{'server':8} {'framing':14} {'answer':28} {'sent MB':>8} {'s':>6} "
        f"{'RSS before':>10} {'peak':>8} {'after':>8} {'growth':>8}"
    )
    for server in servers:
        for chunked in (False, True):
            r = measure(server, args.megabytes, chunked=chunked)
            print(
                f"{r['server']:8} {r['framing']:14} {r['status']:28} {r['sent_mb']:8.1f} "
                f"{r['seconds']:6.1f} {r['before_mb']:10.1f} {r['peak_mb']:8.1f} "
                f"{r['after_mb']:8.1f} {r['after_mb'] - r['before_mb']:+8.1f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
