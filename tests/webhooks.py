"""Send webhook requests the way Meta does: signed raw bytes, POSTed to the one endpoint."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from django.db import connection
from django.test import Client
from django.test.client import RequestFactory

from templates_app.meta import (
    SIGNATURE_HEADER,
    encode,
    quality_update_body,
    sign,
    status_update_body,
)

WEBHOOK_URL = "/api/v1/whatsapp/webhook"
TEST_APP_SECRET = "test-app-secret"
TEST_VERIFY_TOKEN = "test-verify-token"
PAYLOADS_DIR = Path(__file__).resolve().parent / "payloads"


def payload_bytes(name: str) -> bytes:
    """A body from tests/payloads/, byte for byte."""
    return (PAYLOADS_DIR / name).read_bytes()


def payload(name: str) -> dict[str, Any]:
    return json.loads(payload_bytes(name))


def signed_post(
    client: Client | RequestFactory,
    body: bytes | dict[str, Any],
    *,
    app_secret: str = TEST_APP_SECRET,
    signature: str | None = None,
):
    """POST `body` (bytes as they are, a dict encoded once) signed with `app_secret`."""
    raw = body if isinstance(body, bytes) else encode(body)
    headers = {
        SIGNATURE_HEADER: signature if signature is not None else sign(raw, app_secret=app_secret)
    }
    return client.post(WEBHOOK_URL, data=raw, content_type="application/json", headers=headers)


def at_once(requests: list[Callable[[], Any]], *, timeout: float = 60) -> list[Any]:
    """Every request from its own thread, all released together; the responses in order.

    Each thread has its own database connection, closed when it is done: run it from a test
    marked `django_db(transaction=True)`, on PostgreSQL where requests really run side by side.
    """
    start = threading.Barrier(len(requests))
    responses: list[Any] = [None] * len(requests)
    errors: list[BaseException] = []

    def send(index: int, request: Callable[[], Any]) -> None:
        try:
            start.wait(timeout=timeout)
            responses[index] = request()
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=item) for item in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout * 2)
    assert not errors, errors
    assert all(not thread.is_alive() for thread in threads)
    return responses


def post_concurrently(bodies: list[bytes], *, timeout: float = 60) -> list[Any]:
    """POST every body signed, from its own thread, all at once; the responses in body order."""
    return at_once([partial(signed_post, Client(), body) for body in bodies], timeout=timeout)


def _named(template: Any) -> dict[str, Any]:
    """How Meta names a template of ours in its webhooks."""
    return {
        "waba_id": template.business_account.waba_id,
        "template_id": template.meta_template_id,
        "name": template.name,
        "language": template.language,
    }


def template_status_body(template: Any, event: str, occurred_at: int, **kwargs: Any) -> dict:
    """Meta's status update about one of our templates, at `occurred_at` (unix seconds)."""
    return status_update_body(event=event, occurred_at=occurred_at, **_named(template), **kwargs)


def template_quality_body(template: Any, quality: str, occurred_at: int, **kwargs: Any) -> dict:
    """Meta's quality update about one of our templates, from the quality it has now."""
    return quality_update_body(
        new_quality=quality,
        previous_quality=template.quality_score,
        occurred_at=occurred_at,
        **_named(template),
        **kwargs,
    )
