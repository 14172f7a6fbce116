"""Start the project's ASGI server as its own process, on a loopback port the system picks.

The server is the one `make run` starts (Daphne, or Uvicorn when the Makefile runs that),
so what is tested across processes is what is deployed. PYTAKE_SERVER_LOG=1 prints a server's
log when it stops.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

PROJECT_DIR = Path(__file__).resolve().parents[1]
APPLICATION = "pytake.asgi:application"

# Each server logs the address it bound; port 0 asks the system for a free one.
SERVER_COMMANDS: dict[str, list[str]] = {
    "daphne": ["-m", "daphne", "-b", "127.0.0.1", "-p", "0", APPLICATION],
    # Channels' router does not speak lifespan.
    "uvicorn": [
        *("-m", "uvicorn", "--host", "127.0.0.1", "--port", "0", "--lifespan", "off"),
        APPLICATION,
    ],
}
RUN_RECIPE = re.compile(r"^run:[^\n]*\n((?:\t[^\n]*\n)+)", re.MULTILINE)
BOUND_ADDRESS = re.compile(r"127\.0\.0\.1:([1-9]\d*)")
STARTUP_SECONDS = 30


def project_server() -> str:
    """The server `make run` uses: Uvicorn if its recipe names it, else Daphne.

    PYTAKE_ASGI_SERVER=daphne|uvicorn picks one, to compare them (`python -m bench.live`).
    """
    if os.environ.get("PYTAKE_ASGI_SERVER") in SERVER_COMMANDS:
        return os.environ["PYTAKE_ASGI_SERVER"]
    makefile = (PROJECT_DIR / "Makefile").read_text()
    # The `run:` rule with a recipe (tab-indented lines), not its `run: export …` variables.
    recipe = RUN_RECIPE.search(makefile)
    return "uvicorn" if recipe and "uvicorn" in recipe.group(1) else "daphne"


def _answers(address: str) -> bool:
    """Whether a server process answers HTTP at `address` (any status will do).

    With WEB_CONCURRENCY > 1 Uvicorn's parent logs the address it bound before its worker
    processes listen on it: until one does, connections are refused.
    """
    host, port = address.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=1) as probe:
            probe.sendall(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            return probe.recv(1).startswith(b"H")
    except OSError:
        return False


def database_url() -> str:
    """The database the tests use, as a URL another process can open (PostgreSQL only)."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def asgi_server(env: Mapping[str, str], *, log: list[str] | None = None) -> Iterator[str]:
    """Run the server with `env` added to this environment; yields its `host:port`.

    `log`, when given, receives each line the server writes (stdout and stderr), as it comes.
    """
    process = subprocess.Popen(
        [sys.executable, *SERVER_COMMANDS[project_server()]],
        cwd=PROJECT_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "pytake.settings", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    bound = threading.Event()
    address: list[str] = []
    output: list[str] = log if log is not None else []

    def read_log() -> None:
        # Read to the end, so a chatty server never blocks on a full pipe.
        for line in process.stdout:
            output.append(line)
            match = BOUND_ADDRESS.search(line)
            if match and not bound.is_set():
                address.append(f"127.0.0.1:{match.group(1)}")
                bound.set()

    reader = threading.Thread(target=read_log, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not (bound.wait(0.1) and _answers(address[0])):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("The ASGI server did not start:\n" + "".join(output))
            time.sleep(0.05)
        yield address[0]
    finally:
        if os.environ.get("PYTAKE_SERVER_LOG"):
            sys.stderr.write("".join(output))
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=5)


def server_env(**extra: str) -> dict[str, str]:
    """What a server needs to share this test's database and webhook secret."""
    return {
        "DATABASE_URL": database_url(),
        "WHATSAPP_WEBHOOK_APP_SECRET": settings.WHATSAPP_WEBHOOK_APP_SECRET,
        "LOG_LEVEL": "INFO",  # the servers log their bound port at INFO
        **extra,
    }
