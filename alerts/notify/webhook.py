"""Alerts to the customer's own system: JSON signed per the Standard Webhooks specification.

Headers `webhook-id` (the same on every retry of one message, so receivers can drop a
repeat), `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256>`, made with the
`standardwebhooks` library so that any Standard Webhooks verifier accepts them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from standardwebhooks.webhooks import Webhook

from alerts.notify import http
from alerts.notify.messages import Message

EVENT_TYPES = {"alert": "alert.raised", "digest": "alert.digest", "test": "notification.test"}


def body(message: Message, *, timestamp: datetime) -> dict[str, Any]:
    data: dict[str, Any] = {"organization": message.organization, "summary": message.summary}
    if message.kind == "alert":
        data["alert"] = message.alerts[0].as_json()
    elif message.kind == "digest":
        data["alerts"] = [line.as_json() for line in message.alerts]
    return {"type": EVENT_TYPES[message.kind], "timestamp": timestamp.isoformat(), "data": data}


def signed(message: Message, *, secret: str, message_id: str) -> tuple[bytes, dict[str, str]]:
    """The body as sent and its three Standard Webhooks headers."""
    now = datetime.now(tz=UTC).replace(microsecond=0)
    content = json.dumps(body(message, timestamp=now), separators=(",", ":"))
    headers = {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, now, content),
    }
    return content.encode(), headers


def send(message: Message, *, url: str, secret: str, message_id: str) -> None:
    content, headers = signed(message, secret=secret, message_id=message_id)
    http.post(url, content=content, headers=headers)
