"""Alerts by email, through Django's email framework (EMAIL_URL): plain text plus HTML."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from alerts.notify.http import SendError
from alerts.notify.messages import Message

# Control characters and line separators: in a header, a name holding one would break the line.
CONTROL_CHARACTERS = re.compile(r"\s*[\x00-\x1f\x7f-\x9f\u2028\u2029]+\s*")


def header_value(text: str) -> str:
    """`text` fit for one header line: each run of control characters becomes one space."""
    return CONTROL_CHARACTERS.sub(" ", text).strip()


def build(message: Message, *, recipients: Sequence[str]) -> EmailMultiAlternatives:
    context = {"message": message}
    email = EmailMultiAlternatives(
        subject=header_value(message.subject)[:200],
        body=render_to_string("alerts/email/message.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(recipients),
    )
    email.attach_alternative(render_to_string("alerts/email/message.html", context), "text/html")
    return email


def send(message: Message, *, recipients: Sequence[str], message_id: str) -> None:
    email = build(message, recipients=recipients)
    email.extra_headers["X-PyTake-Message-Id"] = header_value(message_id)
    try:
        email.send(fail_silently=False)
    except Exception as exc:  # SMTP errors, refused connections, bad addresses: one failure
        raise SendError(f"Email not sent: {exc}") from exc
