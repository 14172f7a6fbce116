"""Sentences for people from the short codes Meta gives with a template's news.

A code nobody listed still reads as words (`QUALITY_ISSUES` → "quality issues"); Meta's `NONE`
(or no code at all) is no reason, never the word "NONE".
"""

from __future__ import annotations

REASON_PHRASES: dict[str, str] = {
    "SCAM": "scam",
    "ABUSIVE_CONTENT": "abusive content",
    "INVALID_FORMAT": "invalid format",
    "PROMOTIONAL": "promotional content",
    "TAG_CONTENT_MISMATCH": "content that does not match its category",
    "INCORRECT_CATEGORY": "incorrect category",
    "CATEGORY_NOT_AVAILABLE": "category not available",
    "QUALITY_ISSUES": "quality issues",
    "LOW_QUALITY": "low quality",
}

# Meta's `other_info.title` on pauses, locks and disables.
PAUSE_SENTENCES: dict[str, str] = {
    "FIRST_PAUSE": "Paused for low quality (first pause, 3 hours)",
    "SECOND_PAUSE": "Paused for low quality again (second pause, 6 hours)",
    "RATE_LIMITING_PAUSE": "Paused because Meta is limiting its sending rate",
    "UNPAUSE": "Pause lifted by Meta",
    "DISABLED": "Disabled after repeated low quality",
}

STATUS_SENTENCES: dict[str, str] = {
    "APPROVED": "Approved by Meta",
    "REINSTATED": "Reinstated by Meta",
    "UNPAUSED": "Pause lifted by Meta",
    "REJECTED": "Rejected by Meta",
    "PENDING": "Waiting for Meta's review",
    "PAUSED": "Paused by Meta",
    "DISABLED": "Disabled by Meta",
    "FLAGGED": "Flagged by Meta for low quality; it will be disabled if quality does not improve",
    "IN_APPEAL": "In appeal with Meta",
    "PENDING_DELETION": "Being deleted by Meta",
    "DELETED": "Deleted",
    "ARCHIVED": "Archived",
    "UNARCHIVED": "Restored from the archive",
    "LOCKED": "Locked by Meta: it cannot be edited or sent for now",
    "LIMIT_EXCEEDED": "Over Meta's limit of templates for this business account",
}

QUALITY_WORDS: dict[str, str] = {
    "GREEN": "high (green)",
    "YELLOW": "medium (yellow)",
    "RED": "low (red)",
    "UNKNOWN": "not rated yet",
}


def reason_phrase(code: str | None) -> str:
    """A short phrase for a reason code, "" for none."""
    if not code or code.strip().upper() == "NONE":
        return ""
    code = code.strip()
    return REASON_PHRASES.get(code.upper(), code.replace("_", " ").lower())


def status_sentence(
    what_happened: str,
    *,
    reason_code: str | None = None,
    pause_title: str | None = None,
    description: str | None = None,
    rejection_reason: str | None = None,
) -> str:
    """Why a template's status changed, as one sentence.

    Meta's own description wins when it sent one; else the pause title, else the status and
    the reason code (`"Disabled by Meta: scam"`).
    """
    if description and description.strip():
        return description.strip()
    if pause_title and pause_title.upper() in PAUSE_SENTENCES:
        return PAUSE_SENTENCES[pause_title.upper()]
    base = STATUS_SENTENCES.get(what_happened, what_happened.replace("_", " ").capitalize())
    phrase = reason_phrase(reason_code) or reason_phrase(rejection_reason)
    return f"{base}: {phrase}" if phrase else base


def news_sentence(code: str) -> str:
    """The news that ended a pause (a status, or Meta's UNPAUSE), in words: "Disabled by Meta"."""
    code = code.strip().upper()
    return (
        STATUS_SENTENCES.get(code)
        or PAUSE_SENTENCES.get(code)
        or code.replace("_", " ").capitalize()
    )


def quality_sentence(previous: str, new: str, reason_codes: tuple[str, ...] = ()) -> str:
    """`Quality fell from high (green) to low (red)`, with Meta's reasons when it gave some."""
    rank = {"GREEN": 3, "YELLOW": 2, "RED": 1}
    if previous in rank and new in rank:
        verb = "rose" if rank[new] > rank[previous] else "fell"
        sentence = f"Quality {verb} from {QUALITY_WORDS[previous]} to {QUALITY_WORDS[new]}"
    else:
        sentence = f"Quality rated {QUALITY_WORDS.get(new, new.lower())}"
    phrases = [phrase for phrase in map(reason_phrase, reason_codes) if phrase]
    return f"{sentence}: {', '.join(phrases)}" if phrases else sentence
