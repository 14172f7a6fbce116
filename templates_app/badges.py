"""How a template's health reads to a person: a badge, words and a tone for its colour. The admin
and the dashboard both show these; the reason behind a state is `templates_app.guidance`'s."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from templates_app.models import QualityScore, TemplateStatus
from templates_app.reasons import QUALITY_WORDS

Tone = Literal["bad", "warn", "ok", "neutral"]


@dataclass(frozen=True, slots=True)
class Badge:
    label: str
    tone: Tone


STATUS_LABELS: dict[str, str] = {
    TemplateStatus.PENDING: "Pending review",
    TemplateStatus.APPROVED: "Approved",
    TemplateStatus.REJECTED: "Rejected",
    TemplateStatus.PAUSED: "Paused",
    TemplateStatus.DISABLED: "Disabled",
    TemplateStatus.FLAGGED: "Flagged",
    TemplateStatus.IN_APPEAL: "In appeal",
    TemplateStatus.PENDING_DELETION: "Being deleted",
    TemplateStatus.DELETED: "Deleted",
    TemplateStatus.ARCHIVED: "Archived",
    TemplateStatus.LOCKED: "Locked",
    TemplateStatus.LIMIT_EXCEEDED: "Over the limit",
}

STATUS_TONES: dict[str, Tone] = {
    TemplateStatus.APPROVED: "ok",
    TemplateStatus.PENDING: "warn",
    TemplateStatus.IN_APPEAL: "warn",
    TemplateStatus.FLAGGED: "warn",
    TemplateStatus.PAUSED: "warn",
    TemplateStatus.REJECTED: "bad",
    TemplateStatus.DISABLED: "bad",
    TemplateStatus.LOCKED: "bad",
    TemplateStatus.LIMIT_EXCEEDED: "bad",
    TemplateStatus.PENDING_DELETION: "neutral",
    TemplateStatus.DELETED: "neutral",
    TemplateStatus.ARCHIVED: "neutral",
}

QUALITY_TONES: dict[str, Tone] = {
    QualityScore.GREEN: "ok",
    QualityScore.YELLOW: "warn",
    QualityScore.RED: "bad",
    QualityScore.UNKNOWN: "neutral",
}


def status_badge(status: str) -> Badge:
    return Badge(
        STATUS_LABELS.get(status, status.replace("_", " ").capitalize()),
        STATUS_TONES.get(status, "neutral"),
    )


def quality_badge(quality: str) -> Badge:
    words = QUALITY_WORDS.get(quality, quality.lower())
    return Badge(f"Quality {words}", QUALITY_TONES.get(quality, "neutral"))


def badge_vocabulary() -> dict[str, dict[str, dict[str, str]]]:
    """Every badge, for the page's script to relabel a row from a live message."""
    return {
        "status": {
            status: {"label": badge.label, "tone": badge.tone}
            for status in TemplateStatus.values
            for badge in [status_badge(status)]
        },
        "quality": {
            quality: {"label": badge.label, "tone": badge.tone}
            for quality in QualityScore.values
            for badge in [quality_badge(quality)]
        },
    }
