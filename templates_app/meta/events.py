"""Typed events for Meta's WhatsApp message-template webhooks.

Each change Meta sends becomes one frozen event carrying the fields this service acts on, the
change's ``value`` as received (``raw``) and what was kept without being recognised (``warnings``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeAlias


class StatusEvent(StrEnum):
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    PENDING = "PENDING"
    PAUSED = "PAUSED"
    DISABLED = "DISABLED"
    FLAGGED = "FLAGGED"
    REINSTATED = "REINSTATED"
    IN_APPEAL = "IN_APPEAL"
    PENDING_DELETION = "PENDING_DELETION"
    DELETED = "DELETED"
    ARCHIVED = "ARCHIVED"
    UNARCHIVED = "UNARCHIVED"
    LOCKED = "LOCKED"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"


class QualityScore(StrEnum):
    GREEN = "GREEN"
    YELLOW = "YELLOW"
    RED = "RED"
    UNKNOWN = "UNKNOWN"


class Field(StrEnum):
    STATUS = "message_template_status_update"
    QUALITY = "message_template_quality_update"
    CATEGORY = "template_category_update"
    COMPONENTS = "message_template_components_update"
    CORRECT_CATEGORY = "template_correct_category_detection"


KNOWN_REASONS: frozenset[str] = frozenset(
    {
        "NONE",
        "INCORRECT_CATEGORY",
        "INVALID_FORMAT",
        "SCAM",
        "ABUSIVE_CONTENT",
        "TAG_CONTENT_MISMATCH",
        "PROMOTIONAL",
        "CATEGORY_NOT_AVAILABLE",
    }
)
KNOWN_CATEGORIES: frozenset[str] = frozenset({"AUTHENTICATION", "MARKETING", "UTILITY"})
KNOWN_OTHER_INFO_TITLES: frozenset[str] = frozenset(
    {"FIRST_PAUSE", "SECOND_PAUSE", "RATE_LIMITING_PAUSE", "UNPAUSE", "DISABLED"}
)
# Button types Meta lists today; a button of another type (or none) is dropped with a warning.
KNOWN_BUTTON_TYPES: frozenset[str] = frozenset(
    {
        "CATALOG",
        "COPY_CODE",
        "EXTENSION",
        "FLOW",
        "MPM",
        "ORDER_DETAILS",
        "OTP",
        "PHONE_NUMBER",
        "POSTBACK",
        "QUICK_REPLY",
        "REMINDER",
        "SEND_LOCATION",
        "SPM",
        "URL",
        "VOICE_CALL",
    }
)

UNPAUSE_TITLE = "UNPAUSE"


def normalize_language(code: str) -> str:
    """Comparison key for a template language: ``en-US``, ``en_US`` and ``EN_us`` are equal."""
    return code.strip().replace("-", "_").lower()


@dataclass(frozen=True, slots=True)
class TemplateRef:
    """How Meta names the template: id as an exact decimal string, name and language as sent."""

    meta_template_id: str | None = None
    name: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class _TemplateEventBase:
    waba_id: str
    template: TemplateRef
    occurred_at: datetime | None = None
    position: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusUpdate(_TemplateEventBase):
    event: StatusEvent
    reason: str | None = None
    category: str | None = None
    other_info_title: str | None = None
    other_info_description: str | None = None
    disable_date: datetime | None = None
    rejection_reason: str | None = None
    rejection_recommendation: str | None = None

    @property
    def is_unpause(self) -> bool:
        """Meta may end a pause with APPROVED + ``other_info.title == "UNPAUSE"``."""
        return self.event is StatusEvent.APPROVED and self.other_info_title == UNPAUSE_TITLE


@dataclass(frozen=True, slots=True, kw_only=True)
class QualityUpdate(_TemplateEventBase):
    new_quality: QualityScore
    previous_quality: QualityScore | None = None
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class CategoryUpdate(_TemplateEventBase):
    previous_category: str | None = None
    new_category: str | None = None
    correct_category: str | None = None
    category_change_at: datetime | None = None

    @property
    def is_announcement(self) -> bool:
        """An announced change: ``new_category`` still holds until ``category_change_at``."""
        return self.correct_category is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class CorrectCategoryDetection(_TemplateEventBase):
    """Meta found that a template sent as `category` is really `correct_category`."""

    category: str | None = None
    correct_category: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ComponentsUpdate(_TemplateEventBase):
    title: str | None = None
    body: str | None = None
    footer: str | None = None
    # Each button as {"type", "text", "url"?, ...}: Meta's "message_template_button_" prefix cut.
    buttons: tuple[Mapping[str, Any], ...] = ()

    def as_components(self) -> dict[str, Any]:
        """JSON-ready copy of the template's new content."""
        return {
            "title": self.title,
            "body": self.body,
            "footer": self.footer,
            "buttons": [dict(button) for button in self.buttons],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class IgnoredChange:
    """A change that could not be applied, with the reason and what was received.

    ``position`` is "entry[i].changes[j]", or "entry[i]" when the entry itself is unreadable;
    ``raw`` is the change's ``value`` when it has one, else the change or entry as received.
    """

    position: str
    field: str | None
    waba_id: str | None
    reason: str
    raw: Any = None


TemplateEvent: TypeAlias = (
    StatusUpdate | QualityUpdate | CategoryUpdate | CorrectCategoryDetection | ComponentsUpdate
)
