"""Time and server memory for signed webhook bodies of half a million entries.

    .venv/bin/python -m bench.big_delivery                       # 3 posts under Uvicorn
    .venv/bin/python -m bench.big_delivery --posts 5 --entries 524258

Starts the server on a scratch SQLite database (migrated first), reads its resident memory
(VmRSS) after a warm-up, then posts distinct signed bodies `{"object":
"whatsapp_business_account", "entry": [0, 0, …]}` of about 1 MiB one after another, reading the
answer, its time and the memory a second after each; then a small, ordinary delivery.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.server import REPO_ROOT, rss_bytes, running_server

WEBHOOK = "/api/v1/whatsapp/webhook"
SECRET = "bench-secret"
MB = 1024 * 1024


def flat_body(entries: int, salt: int) -> bytes:
    # A distinct last entry per post, so none is recognised as a copy of the one before.
    return (
        b'{"object": "whatsapp_business_account", "entry": ['
        + b"0," * (entries - 1)
        + str(salt).encode()
        + b"]}"
    )


def post(port: int, body: bytes) -> tuple[int, float]:
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{WEBHOOK}",
        data=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", choices=["uvicorn", "daphne"], default="uvicorn")
    parser.add_argument("--entries", type=int, default=524_258)
    parser.add_argument("--posts", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        env = {
            "DATABASE_URL": f"sqlite:///{Path(scratch) / 'bench.sqlite3'}",
            "WHATSAPP_WEBHOOK_APP_SECRET": SECRET,
            "LOG_LEVEL": "ERROR",
        }
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=REPO_ROOT,
            env={**os.environ, **env},
            check=True,
        )
        with running_server(args.server, env=env) as (port, process):
            for _ in range(20):  # warm up: Django loaded, first requests served
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz").read()
            post(port, flat_body(1, salt=-1))
            time.sleep(0.5)
            print(f"{args.server}, {args.entries} entries a body; RSS at rest")
            print(f"{'post':>4} {'bytes':>9} {'answer':>6} {'s':>7} {'RSS MB after':>13}")
            print(f"{'-':>4} {'':>9} {'':>6} {'':>7} {rss_bytes(process.pid) / MB:13.1f}")
            for number in range(1, args.posts + 1):
                body = flat_body(args.entries, salt=number)
                status, seconds = post(port, body)
                time.sleep(1)
                print(
                    f"{number:>4} {len(body):>9} {status:>6} {seconds:7.2f} "
                    f"{rss_bytes(process.pid) / MB:13.1f}",
                    flush=True,
                )
            status, seconds = post(port, flat_body(1, salt=-2))
            time.sleep(1)
            print(
                f"{'one':>4} {'':>9} {status:>6} {seconds:7.2f} {rss_bytes(process.pid) / MB:13.1f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
