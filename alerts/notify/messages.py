"""What a notification says, whatever carries it: one alert, a digest of alerts, or a test."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.urls import reverse

from alerts.models import Alert
from pytake.dates import exact_time
from templates_app.attention import Guidance
from templates_app.guidance import account_guidance, number_guidance, template_guidance
from templates_app.models import TemplateStatus
from templates_app.reasons import QUALITY_WORDS
from templates_app.sending_path_health import CAN_SEND


def template_admin_url(template_id: Any) -> str:
    """The template's page in the admin, as a full link for a message."""
    path = reverse("admin:templates_app_whatsapptemplate_change", args=[template_id])
    return f"{settings.PUBLIC_BASE_URL}{path}"


def account_admin_url(account_id: Any) -> str:
    """The business account's page in the admin, as a full link for a message."""
    path = reverse("admin:templates_app_businessaccount_change", args=[account_id])
    return f"{settings.PUBLIC_BASE_URL}{path}"


# What `alert_guidance` reads beside the alert: load these with many alerts (select_related).
GUIDANCE_RELATED = (
    "business_account",
    "phone_number__business_account",
    "template__business_account",
    "template__phone_number",
)


def alert_guidance(alert: Alert) -> Guidance:
    """Why and what to do, as the dashboard and the admin say it of the alert's template, number
    or account; news that asks nothing yet (quality fell to yellow) keeps the alert's own reason."""
    if alert.template_id is not None:
        guidance = template_guidance(alert.template)
        if guidance.severity is not None:
            return guidance
    else:
        if alert.phone_number_id is not None:
            guidance = number_guidance(alert.phone_number)
        else:
            guidance = account_guidance(alert.business_account)
        if guidance.why != CAN_SEND:
            return guidance
    return Guidance(why=alert.data.get("reason", ""), what_to_do="", severity=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertLine:
    """One alert as every channel shows it: sentences and labels, no raw enums."""

    id: str
    kind: str
    kind_label: str
    severity: str
    title: str
    # What the alert is about, as a label and a name: "Template", "order_update (en_US)".
    subject_label: str
    subject_name: str
    is_template: bool
    template_id: str
    template_name: str
    language: str
    status: str
    status_label: str
    quality: str
    quality_label: str
    # What Meta's news said when the alert was raised.
    reason: str
    # Why it matters and what to do now: the one guidance every page shows (`alert_guidance`).
    why: str
    what_to_do: str
    campaigns_paused: int
    raised_at: datetime
    link: str

    @classmethod
    def of(cls, alert: Alert) -> AlertLine:
        if alert.template_id is None:
            return cls._of_account(alert)
        data = alert.data
        status = data.get("status") or alert.template.status
        quality = data.get("quality") or alert.template.quality_score
        guidance = alert_guidance(alert)
        return cls(
            id=str(alert.pk),
            kind=alert.kind,
            kind_label=alert.get_kind_display(),
            severity=alert.severity,
            title=alert.title,
            subject_label="Template",
            subject_name=f"{alert.template.name} ({alert.template.language})",
            is_template=True,
            template_id=str(alert.template_id),
            template_name=alert.template.name,
            language=alert.template.language,
            status=status,
            status_label=_label(TemplateStatus, status).lower(),
            quality=quality,
            quality_label=QUALITY_WORDS.get(quality, quality.lower()),
            reason=data.get("reason", ""),
            why=guidance.why,
            what_to_do=guidance.what_to_do,
            campaigns_paused=int(data.get("campaigns_paused") or 0),
            raised_at=alert.created_at,
            link=template_admin_url(alert.template_id),
        )

    @classmethod
    def _of_account(cls, alert: Alert) -> AlertLine:
        account = alert.business_account
        guidance = alert_guidance(alert)
        return cls(
            id=str(alert.pk),
            kind=alert.kind,
            kind_label=alert.get_kind_display(),
            severity=alert.severity,
            title=alert.title,
            subject_label="Business account",
            subject_name=f"{account.name} ({account.waba_id})",
            is_template=False,
            template_id="",
            template_name="",
            language="",
            status="",
            status_label="",
            quality="",
            quality_label="",
            reason=alert.data.get("reason", ""),
            why=guidance.why,
            what_to_do=guidance.what_to_do,
            campaigns_paused=0,
            raised_at=alert.created_at,
            link=account_admin_url(account.pk),
        )

    @property
    def raised(self) -> str:
        """When, as every page prints a moment; in UTC, named, since readers are anywhere."""
        return exact_time(self.raised_at, UTC, zone=True)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "severity": self.severity,
            "title": self.title,
            "subject": {"type": self.subject_label.lower(), "name": self.subject_name},
            "template": {
                "id": self.template_id,
                "name": self.template_name,
                "language": self.language,
                "status": self.status,
                "quality": self.quality,
            }
            if self.is_template
            else None,
            "reason": self.reason,
            "why": self.why,
            "what_to_do": self.what_to_do,
            "campaigns_paused": self.campaigns_paused,
            "raised_at": self.raised_at.isoformat(),
            "link": self.link,
        }


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value.replace("_", " ").capitalize()


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """`kind` is alert, digest or test; `alerts` holds one alert, several, or none."""

    kind: str
    organization: str
    subject: str
    summary: str
    alerts: tuple[AlertLine, ...]


def alert_message(alert: Alert) -> Message:
    line = AlertLine.of(alert)
    return Message(
        kind="alert",
        organization=alert.organization.name,
        subject=f"[{line.severity.capitalize()}] {line.title}",
        summary=line.title,
        alerts=(line,),
    )


def digest_message(alerts: Iterable[Alert], *, organization: str) -> Message:
    lines = tuple(AlertLine.of(alert) for alert in alerts)
    critical = sum(1 for line in lines if line.severity == Alert.Severity.CRITICAL)
    subject = f"{len(lines)} template alerts for {organization}"
    summary = f"{len(lines)} template alerts for {organization} within a minute"
    if critical:
        summary += f", {critical} of them critical"
    return Message(
        kind="digest",
        organization=organization,
        subject=subject,
        summary=summary + ".",
        alerts=lines,
    )


def test_message(*, organization: str, channel_name: str) -> Message:
    return Message(
        kind="test",
        organization=organization,
        subject=f"Test notification from PyTake for {organization}",
        summary=f"This is a test of the channel {channel_name}: alerts will arrive like this.",
        alerts=(),
    )
