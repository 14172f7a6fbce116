"""Browser tests: Debian's Chromium, driven by Playwright, against a real ASGI server process.

Django's live server speaks no WebSocket, so the server is a real ASGI server started in a
subprocess on an ephemeral loopback port, opening the same test database as the test (a file on
SQLite, the test database on PostgreSQL). Tests here use `transaction=True` so that what they
create is committed and visible to that process.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from django.db import connection
from django.test import Client
from playwright.sync_api import BrowserContext

from tests.webhooks import TEST_APP_SECRET, TEST_VERIFY_TOKEN

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
BROWSER_TESTS = Path(__file__).resolve().parent
PROJECT_ROOT = BROWSER_TESTS.parents[1]
SERVER_START_TIMEOUT = 30.0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without Chromium the browser tests cannot run: leave them out and say so once.

    With it, they run last: Playwright's sync API keeps an event loop running in this thread
    until the session ends, and asyncio tests cannot start their own beside it.
    """
    browser = [item for item in items if item.path.is_relative_to(BROWSER_TESTS)]
    # A test elsewhere asking for a fixture named like Playwright's (`browser`, `page`, …) is
    # parametrized by browser and pulled among these, starting Playwright's loop too early.
    strays = [
        item.nodeid
        for item in items
        if not item.path.is_relative_to(BROWSER_TESTS)
        and "browser_name" in getattr(getattr(item, "callspec", None), "params", {})
    ]
    if strays:
        raise pytest.UsageError(
            "Only tests/browser may use Playwright's fixture names (browser, page, context): "
            + ", ".join(strays[:5])
        )
    if CHROMIUM.exists():
        items[:] = [item for item in items if not item.path.is_relative_to(BROWSER_TESTS)]
        items.extend(browser)
        return
    if browser and os.environ.get("REQUIRE_BROWSER_TESTS"):
        raise pytest.UsageError(f"REQUIRE_BROWSER_TESTS is set but {CHROMIUM} is missing.")
    if browser:
        config.hook.pytest_deselected(items=browser)
        items[:] = [item for item in items if not item.path.is_relative_to(BROWSER_TESTS)]
        config.stash[_skipped_key] = len(browser)


_skipped_key = pytest.StashKey[int]()


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    skipped = config.stash.get(_skipped_key, 0)
    if skipped:
        terminalreporter.write_line(
            f"Browser tests NOT run ({skipped}): {CHROMIUM} is missing "
            "(apt-get install -y chromium; .ci/run installs it).",
            yellow=True,
            bold=True,
        )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": browser_type_launch_args.get("headless", True),
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }


def _database_url(settings: dict) -> str:
    """The test database as DATABASE_URL, for the server process."""
    if settings["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings['NAME']}"
    credentials = quote(settings["USER"] or "", safe="")
    if settings.get("PASSWORD"):
        credentials += ":" + quote(settings["PASSWORD"], safe="")
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{settings['NAME']}"


class AsgiServer:
    """An ASGI server (HTTP and WebSocket) serving the test database, as a separate process.

    The listening socket belongs to the test: the server can be stopped and started again on the
    same address (a dropped connection, then the same server back), and a browser trying to
    reconnect meanwhile waits in the socket's backlog.
    """

    def __init__(self, log_path: Path) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "pytake.settings",
            "DATABASE_URL": _database_url(connection.settings_dict),
            "WHATSAPP_WEBHOOK_APP_SECRET": TEST_APP_SECRET,
            "WHATSAPP_WEBHOOK_VERIFY_TOKEN": TEST_VERIFY_TOKEN,
            "DEBUG": "true",
        }
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    def start(self) -> None:
        fd = self.listener.fileno()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                # As `make run` serves: Uvicorn, on the socket this test holds.
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "pytake.asgi:application",
                    "--fd",
                    str(fd),
                    "--lifespan",
                    "off",
                    "--timeout-graceful-shutdown",
                    "2",
                ],
                pass_fds=[fd],
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_until_serving()

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def close(self) -> None:
        self.stop()
        self.listener.close()

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"The test server exited:\n{self.log_path.read_text()}")
            try:
                httpx.get(f"{self.url}/admin/login/", timeout=5)
            except httpx.TransportError:
                time.sleep(0.1)
            else:
                return
        raise RuntimeError(f"The test server did not answer in time:\n{self.log_path.read_text()}")


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, tmp_path_factory) -> Iterator[AsgiServer]:
    server = AsgiServer(tmp_path_factory.mktemp("server") / "server.log")
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture
def running_server(asgi_server: AsgiServer) -> Iterator[AsgiServer]:
    """The live server, started again after the test if the test stopped it."""
    yield asgi_server
    if asgi_server.process is None:
        asgi_server.start()


@pytest.fixture(scope="session")
def live_server_url(asgi_server: AsgiServer) -> str:
    return asgi_server.url


@pytest.fixture(scope="session")
def base_url(live_server_url: str) -> str:
    """Playwright resolves `page.goto("/dashboard/")` against the live server."""
    return live_server_url


@pytest.fixture
def log_in(context: BrowserContext, live_server_url: str):
    """Give the browser a logged-in session of `user`, made the way Django's login makes one."""

    def _log_in(user) -> None:
        client = Client()
        client.force_login(user)
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server_url,
                }
            ]
        )

    return _log_in


@pytest.fixture(scope="session", autouse=True)
def allow_orm_beside_playwright() -> Iterator[None]:
    """Playwright's sync API runs an event loop in this thread; the test's ORM calls beside it
    are still made one at a time, so Django's async-safety check would only get in the way.
    Set from the first browser test on (they run last): the asyncio tests keep the check."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(autouse=True)
def fast_password_hasher():
    """The server process checks passwords with the real hashers: keep them here too."""


# axe-core from npm (`npm pack axe-core@4.14.1`), vendored: the tests need no network.
AXE_SCRIPT = BROWSER_TESTS / "vendor" / "axe-core-4.14.1" / "axe.min.js"


def serious_accessibility_violations(page) -> list[str]:
    """axe-core's violations of serious or critical impact on the page as it stands."""
    page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node["target"][0] for node in violation["nodes"][:5])
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"


def save_screenshot(page, name: str) -> None:
    """Refresh docs/screenshots/<name>.png when UPDATE_SCREENSHOTS is set (README shows them)."""
    if os.environ.get("UPDATE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def send_webhook(live_server_url: str):
    """POST a body to the live server's webhook, signed as Meta signs it; returns the response."""
    from templates_app.meta import SIGNATURE_HEADER, encode, sign

    def _send(body: dict) -> httpx.Response:
        raw = encode(body)
        return httpx.post(
            f"{live_server_url}/api/v1/whatsapp/webhook",
            content=raw,
            headers={
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign(raw, app_secret=TEST_APP_SECRET),
            },
            timeout=10,
        )

    return _send


def status_body(template, event: str, *, reason: str = "NONE") -> dict:
    """Meta's status update for `template`, dated now."""
    from templates_app.meta import status_update_body

    return status_update_body(
        event=event,
        reason=reason,
        waba_id=template.business_account.waba_id,
        template_id=template.meta_template_id,
        name=template.name,
        language=template.language,
        occurred_at=int(time.time()),
    )
