"""The one source of "Why" and "What to do" for a template, a phone number or a business account.

The dashboard, the admin, the API, the live messages and the notifications all read these
functions, so the same template reads the same everywhere. Built on the attention rules
(`templates_app.attention`) for templates and on the sending path's verdicts
(`templates_app.sending_path_health`) for numbers and accounts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from templates_app.attention import (
    ACTION_REQUIRED,
    Guidance,
    Severity,
    attention_reason,
    current_status_reason,
    severity_of,
)
from templates_app.models import BusinessAccount, PhoneNumber, TemplateStatus, WhatsAppTemplate
from templates_app.sending_path_health import NO, Verdict, account_verdict, number_verdict

__all__ = ["Guidance", "account_guidance", "number_guidance", "template_guidance"]

ALL_IS_WELL = "All is well"
PATH_CANNOT_SEND = "Its business account or phone number cannot send."
# `severity` not annotated on the template: compute it from its fields.
_NOT_ANNOTATED = object()


def template_guidance(template: WhatsAppTemplate, *, now: datetime | None = None) -> Guidance:
    """Why the template stands where it does and what to do about it, in sentences.

    Reads the `severity` annotation when the query has one (`severity_expression`), else
    evaluates the same rules on the template's fields. Only a template whose account or number
    cannot send reads them: load `business_account` and `phone_number` with many templates.
    """
    severity = getattr(template, "severity", _NOT_ANNOTATED)
    if severity is _NOT_ANNOTATED:
        severity = severity_of(template, now=now or timezone.now())
    elif severity is not None:
        severity = Severity(severity)
    if severity is None:
        return Guidance(why=_settled_reason(template), what_to_do="", severity=None)
    return Guidance(
        why=_attention_why(template, severity, now=now),
        what_to_do=ACTION_REQUIRED[severity],
        severity=severity,
    )


def _settled_reason(template: WhatsAppTemplate) -> str:
    """A template that needs nothing: all is well when approved, else its status in words."""
    if template.status == TemplateStatus.APPROVED:
        return ALL_IS_WELL
    return current_status_reason(template)


def _attention_why(template: Any, severity: Severity, *, now: datetime | None) -> str:
    if severity is Severity.PATH_BLOCKED:
        said = " ".join(path_verdict(template, now=now).reasons) or PATH_CANNOT_SEND
        return f"It cannot send. {said}"
    reason = attention_reason(template, severity)
    if severity is Severity.QUALITY_RED and template.status != TemplateStatus.APPROVED:
        # Both read together: "Paused by Meta; quality rated low (red)".
        status = current_status_reason(template).rstrip(".")
        return f"{status}; {reason[0].lower()}{reason[1:]}"
    return reason


def path_verdict(template: Any, *, now: datetime | None = None) -> Verdict:
    """Whether the template's account, then its number, can send: the account's verdict when
    the account cannot, else the number's (which includes the account's)."""
    verdict = account_verdict(template.business_account, now=now)
    number = template.phone_number
    if number is not None and verdict.can_send != NO:
        verdict = number_verdict(number, verdict)
    return verdict


def number_guidance(number: PhoneNumber, *, now: datetime | None = None) -> Guidance:
    """Why the number can or cannot send, and what to do, from its and its account's verdict."""
    return number_verdict(number, account_verdict(number.business_account, now=now)).guidance()


def account_guidance(account: BusinessAccount, *, now: datetime | None = None) -> Guidance:
    """Why the business account can or cannot send, and what to do."""
    return account_verdict(account, now=now).guidance()
