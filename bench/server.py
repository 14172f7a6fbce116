"""Start PyTake's ASGI application under a real server, on an ephemeral port of 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

# Each server takes the listening socket's file descriptor, so no port is ever guessed.
COMMANDS = {
    "uvicorn": lambda fd: [
        "-m",
        "uvicorn",
        "pytake.asgi:application",
        "--fd",
        str(fd),
        "--lifespan",
        "off",
        "--log-level",
        "warning",
    ],
    "daphne": lambda fd: ["-m", "daphne", "--fd", str(fd), "pytake.asgi:application", "-v", "0"],
}


@contextmanager
def running_server(name: str, *, env: dict[str, str]) -> Iterator[tuple[int, subprocess.Popen]]:
    """(port, process) of `name` serving pytake.asgi:application until the block ends."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "pytake.settings", **env}
    command = [sys.executable, *COMMANDS[name](listener.fileno())]
    if name == "uvicorn":  # as `make run`: X-Forwarded-For only from the proxies listed
        command += ["--forwarded-allow-ips", environment.get("FORWARDED_ALLOW_IPS", "")]
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=environment,
        pass_fds=[listener.fileno()],
    )
    listener.close()  # the server holds its own copy
    try:
        _wait_until_healthy(port, process)
        yield port, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_healthy(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The server exited with {process.returncode}.")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("The server did not answer /healthz in time.")


def rss_bytes(pid: int) -> int:
    """Resident memory of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"No VmRSS for process {pid}.")
