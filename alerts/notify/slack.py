"""Alerts to a Slack incoming webhook: a text summary plus Block Kit blocks.

Names and reasons come from tenants and from Meta: every such text goes through `escaped`, so
that a template named `<!channel>` mentions no one and `<http://x|click>` links nowhere.
"""

from __future__ import annotations

import json
import re
from typing import Any

from alerts.notify import http
from alerts.notify.messages import AlertLine, Message

# Slack allows 50 blocks a message: a digest lists this many alerts, then says how many more.
MAX_LISTED = 20
# Slack's limit on a header's text.
HEADER_LENGTH = 150
# An entity cut in two by a length limit.
CUT_ENTITY = re.compile(r"&[a-z]*$")


def escaped(text: str) -> str:
    """`text` as Slack shows it literally: its &, < and > escaped, as Slack's formatting asks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clipped(text: str, length: int) -> str:
    """Escaped `text` cut to `length` characters, never inside an entity."""
    return text if len(text) <= length else CUT_ENTITY.sub("", text[:length])


def _alert_blocks(line: AlertLine) -> list[dict[str, Any]]:
    text = f"*<{line.link}|{escaped(line.title)}>*"
    if line.why:
        text += f"\n*Why:* {escaped(line.why)}"
    if line.what_to_do:
        text += f"\n*What to do:* {escaped(line.what_to_do)}"
    return [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": text},
            "fields": [
                {
                    "type": "mrkdwn",
                    "text": f"*{line.subject_label}*\n{escaped(line.subject_name)}",
                },
                *(
                    [
                        {"type": "mrkdwn", "text": f"*Status*\n{escaped(line.status_label)}"},
                        {"type": "mrkdwn", "text": f"*Quality*\n{escaped(line.quality_label)}"},
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
    summary = escaped(message.summary)
    header = _clipped(escaped(message.subject), HEADER_LENGTH)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header}},
    ]
    if message.kind != "alert":
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": summary}})
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
    return {"text": summary, "blocks": blocks}


def send(message: Message, *, url: str, message_id: str) -> None:
    http.post(url, content=json.dumps(body(message)).encode(), headers={})
