"""Meta's Graph API responses: template listings, analytics, a WABA, errors.

Each answer becomes frozen values of ours; an item that cannot be read is returned with its
reason, never raised, so one odd template does not stop a listing. A template snapshot turns
into the same typed events the webhook parser makes, so a sync goes through the one state
machine. Stdlib only, no Django.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .events import (
    CategoryUpdate,
    ComponentsUpdate,
    QualityScore,
    QualityUpdate,
    StatusEvent,
    StatusUpdate,
    TemplateRef,
)
from .limits import INT64_MAX, LIMITS

# The fields a sync asks for, in Meta's words.
TEMPLATE_FIELDS = (
    "id,name,language,status,category,quality_score,rejected_reason,components,previous_category"
)

# Graph's button keys that a webhook's components update also carries; others (examples) vary.
BUTTON_KEYS = ("type", "text", "url", "phone_number")

# Error codes that mean "slow down" (HTTP 429 too), and the one of a token Meta no longer takes.
RATE_LIMIT_CODES = frozenset({4, 80008, 613})
TOKEN_INVALID_CODE = 190


@dataclass(frozen=True, slots=True)
class GraphTemplate:
    """One template as Meta's Graph API lists it."""

    meta_template_id: str
    name: str
    language: str
    status: StatusEvent
    category: str
    quality: QualityScore | None
    quality_date: datetime | None
    rejected_reason: str | None
    components: Mapping[str, Any]
    previous_category: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def ref(self) -> TemplateRef:
        return TemplateRef(self.meta_template_id, self.name, self.language)

    def _common(self, waba_id: str, occurred_at: datetime) -> dict[str, Any]:
        """What every event made from this listing carries, whatever it changes."""
        return {
            "waba_id": waba_id,
            "template": self.ref,
            "occurred_at": occurred_at,
            "position": f"graph:{self.meta_template_id}",
            "raw": self.raw,
        }

    def status_update(self, *, waba_id: str, occurred_at: datetime) -> StatusUpdate:
        return StatusUpdate(
            **self._common(waba_id, occurred_at),
            event=self.status,
            reason=self.rejected_reason,
        )

    def quality_update(
        self, *, waba_id: str, occurred_at: datetime, previous: QualityScore | None
    ) -> QualityUpdate:
        return QualityUpdate(
            **self._common(waba_id, occurred_at),
            new_quality=self.quality or QualityScore.UNKNOWN,
            previous_quality=previous,
        )

    def category_update(
        self, *, waba_id: str, occurred_at: datetime, previous: str | None
    ) -> CategoryUpdate:
        return CategoryUpdate(
            **self._common(waba_id, occurred_at),
            previous_category=previous,
            new_category=self.category,
        )

    def components_update(self, *, waba_id: str, occurred_at: datetime) -> ComponentsUpdate:
        return ComponentsUpdate(
            **self._common(waba_id, occurred_at),
            title=self.components.get("title"),
            body=self.components.get("body"),
            footer=self.components.get("footer"),
            buttons=tuple(self.components.get("buttons") or ()),
        )


@dataclass(frozen=True, slots=True)
class TemplatePage:
    """One page of `GET /{waba_id}/message_templates`."""

    templates: tuple[GraphTemplate, ...]
    # (position, reason) of each item that could not be read.
    unreadable: tuple[tuple[str, str], ...]
    next_url: str | None
    after: str | None
    # Meta sent `data` but an empty list: the end, whatever the cursors say.
    empty: bool


@dataclass(frozen=True, slots=True)
class AnalyticsPoint:
    """One template's counts over one day of `GET /{waba_id}/template_analytics`."""

    template_id: str
    start: datetime
    end: datetime
    sent: int
    delivered: int
    read: int
    # Clicks on the template's buttons that day, all buttons together.
    clicked: int = 0


@dataclass(frozen=True, slots=True)
class AnalyticsPage:
    points: tuple[AnalyticsPoint, ...]
    next_url: str | None


@dataclass(frozen=True, slots=True)
class GraphErrorInfo:
    """Meta's error envelope: `{"error": {"message", "type", "code", "error_subcode", ...}}`."""

    message: str
    type: str
    code: int | None
    subcode: int | None
    fbtrace_id: str

    @property
    def is_rate_limit(self) -> bool:
        return self.code in RATE_LIMIT_CODES

    @property
    def is_token_invalid(self) -> bool:
        return self.code == TOKEN_INVALID_CODE


def parse_error(body: bytes | str, *, http_status: int) -> GraphErrorInfo:
    """Meta's error envelope; a body that is not one still gives a readable message."""
    payload = _json(body)
    error = payload.get("error") if isinstance(payload, Mapping) else None
    if not isinstance(error, Mapping):
        return GraphErrorInfo(
            message=f"Meta answered HTTP {http_status} without an error description",
            type="",
            code=None,
            subcode=None,
            fbtrace_id="",
        )
    return GraphErrorInfo(
        message=_text(error.get("message")) or f"Meta answered HTTP {http_status}",
        type=_text(error.get("type")),
        code=_int(error.get("code")),
        subcode=_int(error.get("error_subcode")),
        fbtrace_id=_text(error.get("fbtrace_id")),
    )


def parse_template_page(payload: Any) -> TemplatePage:
    """One listing page; items that cannot be read are kept aside with their reason."""
    if not isinstance(payload, Mapping):
        raise ValueError(f"a template listing must be a JSON object, got {type(payload).__name__}")
    data = payload.get("data")
    if not isinstance(data, list):
        raise ValueError("a template listing has no `data` list")
    templates: list[GraphTemplate] = []
    unreadable: list[tuple[str, str]] = []
    for index, item in enumerate(data):
        try:
            templates.append(parse_template(item))
        except ValueError as exc:
            unreadable.append((f"data[{index}]", str(exc)))
    next_url, after = _paging(payload.get("paging"))
    return TemplatePage(tuple(templates), tuple(unreadable), next_url, after, empty=not data)


def parse_template(item: Any) -> GraphTemplate:
    """One template of a listing (or `GET /{template_id}`); ValueError says what is wrong.

    Every value must fit its column (meta/limits.py): a template that does not is unreadable,
    never cut short, since a shortened name would be another template.
    """
    if not isinstance(item, Mapping):
        raise ValueError(f"a template must be an object, got {type(item).__name__}")
    template_id = _id(item.get("id"))
    if template_id is None:
        raise ValueError("a template has no usable `id`")
    name = _code(item.get("name"), "name", template_id)
    if not name:
        raise ValueError(f"template {template_id} has no `name`")
    status_text = _code(item.get("status"), "event", template_id).upper()
    try:
        status = StatusEvent(status_text)
    except ValueError:
        raise ValueError(f"template {template_id} has an unknown status {status_text!r}") from None
    quality, quality_date = _quality(item.get("quality_score"))
    rejected = _code(item.get("rejected_reason"), "reason", template_id).upper()
    return GraphTemplate(
        meta_template_id=template_id,
        name=name,
        language=_code(item.get("language"), "language", template_id),
        status=status,
        # Free text: legacy categories (TRANSACTIONAL, ACCOUNT_UPDATE, ...) are kept as they come.
        category=_code(item.get("category"), "category", template_id).upper(),
        quality=quality,
        quality_date=quality_date,
        rejected_reason=rejected if rejected and rejected != "NONE" else None,
        components=_checked_components(components_of(item.get("components")), template_id),
        previous_category=_code(item.get("previous_category"), "category", template_id).upper()
        or None,
        raw=item,
    )


def _code(raw: Any, key: str, template_id: str) -> str:
    """A single-line value of Meta's (name, code) within its column's length, or ""."""
    text = _text(raw)
    if any(ord(char) < 32 or ord(char) == 127 for char in text):
        raise ValueError(f"template {template_id}: {key} contains a control character")
    if len(text) > LIMITS[key]:
        raise ValueError(f"template {template_id}: {key} longer than {LIMITS[key]} characters")
    return text


def _checked_components(components: dict[str, Any], template_id: str) -> dict[str, Any]:
    for part in ("title", "body", "footer"):
        text = components[part] or ""
        if len(text) > LIMITS["text"] or any(
            ord(char) < 32 and char not in "\t\n\r" for char in text
        ):
            raise ValueError(f"template {template_id}: its {part} is unreadable or too long")
    for button in components["buttons"]:
        for value in button.values():
            if (isinstance(value, str) and len(value) > LIMITS["button_value"]) or "\x00" in str(
                value
            ):
                raise ValueError(f"template {template_id}: a button is unreadable or too long")
    return components


def components_of(raw: Any) -> dict[str, Any]:
    """Graph's component list in the shape a webhook's components update is stored in."""
    result: dict[str, Any] = {"title": None, "body": None, "footer": None, "buttons": []}
    if not isinstance(raw, list):
        return result
    for component in raw:
        if not isinstance(component, Mapping):
            continue
        kind = _text(component.get("type")).upper()
        if kind == "HEADER":
            result["title"] = _text(component.get("text")) or None
        elif kind == "BODY":
            result["body"] = _text(component.get("text")) or None
        elif kind == "FOOTER":
            result["footer"] = _text(component.get("text")) or None
        elif kind == "BUTTONS" and isinstance(component.get("buttons"), list):
            result["buttons"] = [
                {key: button[key] for key in BUTTON_KEYS if button.get(key) is not None}
                for button in component["buttons"]
                if isinstance(button, Mapping)
            ]
    return result


def graph_components(components: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The inverse of `components_of`: our stored components as Graph lists them."""
    components = components or {}
    result: list[dict[str, Any]] = []
    if components.get("title"):
        result.append({"type": "HEADER", "format": "TEXT", "text": components["title"]})
    if components.get("body"):
        result.append({"type": "BODY", "text": components["body"]})
    if components.get("footer"):
        result.append({"type": "FOOTER", "text": components["footer"]})
    if components.get("buttons"):
        result.append({"type": "BUTTONS", "buttons": [dict(b) for b in components["buttons"]]})
    return result


def graph_template(
    *,
    meta_template_id: str,
    name: str,
    language: str,
    status: str,
    category: str,
    quality: str | None = "GREEN",
    quality_date: int | None = None,
    rejected_reason: str = "NONE",
    components: Mapping[str, Any] | None = None,
    previous_category: str | None = None,
) -> dict[str, Any]:
    """One template in the shape Meta's listing gives it (for stand-ins and tests)."""
    item: dict[str, Any] = {
        "id": str(meta_template_id),
        "name": name,
        "language": language,
        "status": status,
        "category": category,
        "rejected_reason": rejected_reason,
        # Meta's templates always have a body; None stands for "any body will do".
        "components": [{"type": "BODY", "text": f"{name} ({language})"}]
        if components is None
        else graph_components(components),
    }
    if quality is not None:
        item["quality_score"] = {"score": quality, "date": quality_date or 0}
    if previous_category:
        item["previous_category"] = previous_category
    return item


def parse_waba(payload: Any) -> str | None:
    """The id a `GET /{waba_id}` answer names, or None when it names none."""
    if not isinstance(payload, Mapping):
        return None
    return _id(payload.get("id"))


def parse_analytics_page(payload: Any) -> AnalyticsPage:
    """`GET /{waba_id}/template_analytics`: daily data points of every template asked for."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("data"), list):
        raise ValueError("a template analytics answer has no `data` list")
    points: list[AnalyticsPoint] = []
    for block in payload["data"]:
        if not isinstance(block, Mapping) or not isinstance(block.get("data_points"), list):
            continue
        for point in block["data_points"]:
            parsed = _analytics_point(point)
            if parsed is not None:
                points.append(parsed)
    next_url, _ = _paging(payload.get("paging"))
    return AnalyticsPage(tuple(points), next_url)


def analytics_page(points: Iterable[AnalyticsPoint]) -> dict[str, Any]:
    """Data points in the shape Meta's template analytics gives them (for stand-ins and tests)."""
    return {
        "data": [
            {
                "granularity": "DAILY",
                "product_type": "cloud_api",
                "data_points": [
                    {
                        "template_id": point.template_id,
                        "start": int(point.start.timestamp()),
                        "end": int(point.end.timestamp()),
                        "sent": point.sent,
                        "delivered": point.delivered,
                        "read": point.read,
                        "clicked": [
                            {
                                "type": "quick_reply_button",
                                "button_content": "Tell me more",
                                "count": point.clicked,
                            }
                        ]
                        if point.clicked
                        else [],
                    }
                    for point in points
                ],
            }
        ]
    }


def error_body(
    *, message: str, code: int, subcode: int | None = None, type: str = "OAuthException"
) -> dict[str, Any]:
    """Meta's error envelope (for stand-ins and tests)."""
    error: dict[str, Any] = {"message": message, "type": type, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    error["fbtrace_id"] = "AbCdEfGhIjKlMnOp"
    return {"error": error}


# The figures Meta's usage headers give, each a percentage of its limit.
USAGE_FIGURES = ("call_count", "total_cputime", "total_time")


def usage_percent(*, app_usage: str | None, business_use_case_usage: str | None) -> float | None:
    """The highest figure of Meta's rate-limit usage headers, in percent of its limit.

    `X-App-Usage` is `{"call_count": 28, "total_time": 25, "total_cputime": 25}`;
    `X-Business-Use-Case-Usage` is `{"<business id>": [{"type": ..., "call_count": ...,
    "total_cputime": ..., "total_time": ..., "estimated_time_to_regain_access": ...}]}`.
    None when neither header says anything readable.
    """
    entries: list[Any] = []
    app = _json(app_usage) if app_usage else None
    if isinstance(app, Mapping):
        entries.append(app)
    business = _json(business_use_case_usage) if business_use_case_usage else None
    if isinstance(business, Mapping):
        for by_type in business.values():
            if isinstance(by_type, list):
                entries.extend(by_type)
    figures = [
        float(entry[name])
        for entry in entries
        if isinstance(entry, Mapping)
        for name in USAGE_FIGURES
        if isinstance(entry.get(name), int | float) and not isinstance(entry.get(name), bool)
    ]
    return max(figures) if figures else None


def without_access_token(url: str) -> str:
    """`url` without an `access_token` query parameter: the token travels in a header only."""
    parts = urlsplit(url)
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "access_token"
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _analytics_point(point: Any) -> AnalyticsPoint | None:
    if not isinstance(point, Mapping):
        return None
    template_id = _id(point.get("template_id"))
    start, end = _int(point.get("start")), _int(point.get("end"))
    if template_id is None or start is None or end is None:
        return None
    return AnalyticsPoint(
        template_id=template_id,
        start=datetime.fromtimestamp(start, tz=UTC),
        end=datetime.fromtimestamp(end, tz=UTC),
        sent=max(_int(point.get("sent")) or 0, 0),
        delivered=max(_int(point.get("delivered")) or 0, 0),
        read=max(_int(point.get("read")) or 0, 0),
        clicked=_clicks(point.get("clicked")),
    )


def _clicks(clicked: Any) -> int:
    """Meta counts clicks per button: `[{"type", "button_content", "count"}, ...]`; summed."""
    if not isinstance(clicked, list):
        return 0
    return sum(
        max(_int(button.get("count")) or 0, 0) for button in clicked if isinstance(button, Mapping)
    )


def _paging(paging: Any) -> tuple[str | None, str | None]:
    if not isinstance(paging, Mapping):
        return None, None
    next_url = _text(paging.get("next")) or None
    cursors = paging.get("cursors")
    after = _text(cursors.get("after")) or None if isinstance(cursors, Mapping) else None
    return next_url, after


def _quality(raw: Any) -> tuple[QualityScore | None, datetime | None]:
    if not isinstance(raw, Mapping):
        return None, None
    try:
        score = QualityScore(_text(raw.get("score")).upper())
    except ValueError:
        score = QualityScore.UNKNOWN
    seconds = _int(raw.get("date"))
    # `quality_score.date` is unix seconds; 0 or absent means Meta gave no date.
    date = datetime.fromtimestamp(seconds, tz=UTC) if seconds else None
    return score, date


def _json(body: bytes | str) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


def _text(raw: Any) -> str:
    return raw.strip() if isinstance(raw, str) else ""


def _int(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        return int(raw)
    return None


def _id(raw: Any) -> str | None:
    """Meta's int64 ids, kept as exact decimal strings."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int) and 0 < raw <= INT64_MAX:
        return str(raw)
    text = raw.strip() if isinstance(raw, str) else ""
    if text.isascii() and text.isdigit() and 0 < int(text) <= INT64_MAX:
        return text
    return None
