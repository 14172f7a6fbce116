"""Alerts to a Slack incoming webhook: a text summary plus Block Kit blocks."""

from __future__ import annotations

import json
from typing import Any

from alerts.notify import http
from alerts.notify.messages import AlertLine, Message

# Slack allows 50 blocks a message: a digest lists this many alerts, then says how many more.
MAX_LISTED = 20


def _escape(text: str) -> str:
    # Slack's mrkdwn reads &, < and > as markup.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _alert_blocks(line: AlertLine) -> list[dict[str, Any]]:
    text = f"*<{line.link}|{_escape(line.title)}>*"
    if line.reason:
        text += f"\n{_escape(line.reason)}"
    return [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": text},
            "fields": [
                {
                    "type": "mrkdwn",
                    "text": f"*{line.subject_label}*\n{_escape(line.subject_name)}",
                },
                *(
                    [
                        {"type": "mrkdwn", "text": f"*Status*\n{line.status_label}"},
                        {"type": "mrkdwn", "text": f"*Quality*\n{line.quality_label}"},
                        {"type": "mrkdwn", "text": f"*Campaigns paused*\n{line.campaigns_paused}"},
                    ]
                    if line.is_template
                    else []
                ),
            ],
        },
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {
                        "type": "plain_text",
                        "text": f"Open the {line.subject_label.lower()}",
                    },
                    "url": line.link,
                }
            ],
        },
    ]


def body(message: Message) -> dict[str, Any]:
    """The JSON Slack's incoming webhook takes: `text` (notifications, fallback) and `blocks`."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": message.subject[:150]}},
    ]
    if message.kind != "alert":
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": message.summary}})
    for line in message.alerts[:MAX_LISTED]:
        blocks.extend(_alert_blocks(line))
    hidden = len(message.alerts) - MAX_LISTED
    if hidden > 0:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"…and {hidden} more alerts."}],
            }
        )
    return {"text": message.summary, "blocks": blocks}


def send(message: Message, *, url: str, message_id: str) -> None:
    http.post(url, content=json.dumps(body(message)).encode(), headers={})
