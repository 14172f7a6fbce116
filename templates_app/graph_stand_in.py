"""A local stand-in for Meta's Graph API, answering in Meta's documented shapes.

It serves `GET /{version}/{waba_id}`, `GET /{version}/{waba_id}/message_templates` (pages of
`limit`, linked by `paging.next` or, when `cursors_only`, by `paging.cursors.after` alone) and
`GET /{version}/{waba_id}/template_analytics`, `POST /{version}/{template_id}/unpause` (the
template APPROVED again, its id kept in `unpaused`), and what Meta says of the sending path:
`GET /{version}/{node_id}?fields=health_status` for a WABA or a phone number (AVAILABLE unless
`block` made it BLOCKED) and `GET /{version}/{phone_number_id}` with the number's quality,
limit, status and name status (`numbers`). `fail_next` queues answers served before the
real ones (errors, rate limits, delays), one per request; `delay` is Meta's latency, paid by
every request; `usage` goes out as Meta's rate-limit usage headers; `most_in_flight` is the
most requests it was answering at once. `manage.py fake_graph_api` serves it
over HTTP for the demo; the tests plug it into a local server of their own.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

from templates_app.meta.graph import AnalyticsPoint, analytics_page, error_body


@dataclass
class Answer:
    # 0: no answer of its own (after `delay`, the real one is served).
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    # Served only to a request whose path ends so (e.g. "message_templates"); "" to any.
    path_end: str = ""


# (days ago, sent, delivered, read) or with the day's button clicks after them.
DailyCount = tuple[int, int, int, int] | tuple[int, int, int, int, int]


@dataclass
class GraphStandIn:
    """What Meta knows: WABAs, their templates (Graph-shaped dicts) and daily counts."""

    base_url: str = ""
    access_token: str = "stand-in-token"
    templates: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Meta template id → [(days ago, sent, delivered, read[, clicked])]
    daily_counts: dict[str, list[DailyCount]] = field(default_factory=dict)
    cursors_only: bool = False
    # Meta's `next` links carry the access token in their query; ours must never send it back.
    token_in_next: bool = True
    queued: list[Answer] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    # Seconds every answer takes, as Meta's own latency does.
    delay: float = 0.0
    # Sent with every answer: X-App-Usage and X-Business-Use-Case-Usage at this percentage.
    usage: int | None = None
    # Phone number id → Graph's fields (quality_rating, messaging_limit_tier, status, …).
    numbers: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Node id (WABA or number) → Meta's health_status object; AVAILABLE when absent.
    health: dict[str, dict[str, Any]] = field(default_factory=dict)
    in_flight: int = 0
    most_in_flight: int = 0
    # Meta template ids unpaused on request, in order.
    unpaused: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def block(
        self,
        node_id: str,
        *,
        entity_type: str = "WABA",
        error_code: int = 141006,
        description: str = "There is an error with the payment method.",
        possible_solution: str = "Add a new payment method to the account.",
    ) -> None:
        """Meta's health check now answers BLOCKED for `node_id`, with one error."""
        self.health[node_id] = {
            "can_send_message": "BLOCKED",
            "entities": [
                {
                    "entity_type": entity_type,
                    "id": node_id,
                    "can_send_message": "BLOCKED",
                    "errors": [
                        {
                            "error_code": error_code,
                            "error_description": description,
                            "possible_solution": possible_solution,
                        }
                    ],
                }
            ],
        }

    def unblock(self, node_id: str) -> None:
        self.health.pop(node_id, None)

    def _health_of(self, node_id: str, entity_type: str) -> dict[str, Any]:
        return self.health.get(node_id) or {
            "can_send_message": "AVAILABLE",
            "entities": [
                {"entity_type": entity_type, "id": node_id, "can_send_message": "AVAILABLE"}
            ],
        }

    def _phone_number(self, number_id: str, query: Mapping[str, list[str]]) -> Answer:
        fields = set((_first(query, "fields") or "").split(","))
        known = {"id": number_id, **self.numbers[number_id]}
        if "health_status" in fields:
            known["health_status"] = self._health_of(number_id, "PHONE_NUMBER")
        return Answer(
            200, {key: value for key, value in known.items() if key in fields or key == "id"}
        )

    def fail_next(self, *answers: Answer) -> None:
        with self._lock:
            self.queued.extend(answers)

    def respond(
        self,
        *,
        path: str,
        query: Mapping[str, list[str]],
        authorization: str,
        method: str = "GET",
    ) -> Answer:
        """The answer to one request, after `delay`, with the usage headers when `usage` is set."""
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            answer = self._answer(
                path=path, query=query, authorization=authorization, method=method
            )
        finally:
            with self._lock:
                self.in_flight -= 1
        if self.usage is None:
            return answer
        own = {name.lower() for name in answer.headers}
        usage = {k: v for k, v in usage_headers(self.usage).items() if k.lower() not in own}
        return replace(answer, headers={**usage, **answer.headers})

    def _answer(
        self, *, path: str, query: Mapping[str, list[str]], authorization: str, method: str
    ) -> Answer:
        with self._lock:
            self.requests.append(path + ("?" + urlencode(query, doseq=True) if query else ""))
            queued = next(
                (answer for answer in self.queued if path.rstrip("/").endswith(answer.path_end)),
                None,
            )
            if queued is not None:
                self.queued.remove(queued)
        if queued is not None:
            if queued.delay:
                time.sleep(queued.delay)
            if queued.status:
                return queued
        token = authorization.removeprefix("Bearer ").strip()
        if token != self.access_token or "access_token" in query:
            return Answer(
                401,
                error_body(
                    message="Error validating access token: the session is invalid.",
                    code=190,
                    subcode=460,
                ),
            )
        parts = [part for part in path.split("/") if part]
        if len(parts) < 2:
            return _not_found(path)
        if method.upper() == "POST":
            return self._unpause(path, parts)
        waba_id, rest = parts[1], parts[2:]
        if waba_id in self.numbers and not rest:
            return self._phone_number(waba_id, query)
        if waba_id not in self.templates:
            return Answer(
                400,
                error_body(
                    message=f"Unsupported get request. Object with ID '{waba_id}' does not "
                    "exist, cannot be loaded due to missing permissions.",
                    code=100,
                    subcode=33,
                    type="GraphMethodException",
                ),
            )
        if not rest and "health_status" in (_first(query, "fields") or ""):
            return Answer(200, {"health_status": self._health_of(waba_id, "WABA"), "id": waba_id})
        if not rest:
            return Answer(200, {"id": waba_id, "name": f"WABA {waba_id}"})
        if rest == ["message_templates"]:
            return self._listing(path, waba_id, query)
        if rest == ["template_analytics"]:
            return self._analytics(query)
        return _not_found(path)

    def _unpause(self, path: str, parts: list[str]) -> Answer:
        if len(parts) != 3 or parts[2] != "unpause":
            return _not_found(path)
        for templates in self.templates.values():
            for template in templates:
                if str(template.get("id")) == parts[1]:
                    with self._lock:
                        template["status"] = "APPROVED"
                        self.unpaused.append(parts[1])
                    return Answer(200, {"success": True})
        return Answer(
            404,
            error_body(
                message="Template does not exist", code=803, subcode=None, type="OAuthException"
            ),
        )

    def _listing(self, path: str, waba_id: str, query: Mapping[str, list[str]]) -> Answer:
        limit = max(1, min(int(_first(query, "limit") or 25), 1000))
        start = int(_first(query, "after") or 0)
        templates = self.templates[waba_id]
        page = templates[start : start + limit]
        paging: dict[str, Any] = {"cursors": {"before": str(start), "after": str(start + limit)}}
        if start + limit < len(templates):
            if not self.cursors_only:
                next_query = {"fields": _first(query, "fields") or "", "limit": limit}
                next_query["after"] = str(start + limit)
                if self.token_in_next:
                    next_query["access_token"] = self.access_token
                paging["next"] = f"{self.base_url}{path}?{urlencode(next_query)}"
        elif not self.cursors_only:
            # The last page has no `after`; with cursors only, Meta's last page may still carry
            # one, and the next ask comes back empty.
            paging["cursors"].pop("after")
        return Answer(200, {"data": page, "paging": paging})

    def _analytics(self, query: Mapping[str, list[str]]) -> Answer:
        ids = json.loads(_first(query, "template_ids") or "[]")
        start = datetime.fromtimestamp(int(_first(query, "start") or 0), tz=UTC)
        end = datetime.fromtimestamp(int(_first(query, "end") or 0), tz=UTC)
        points = []
        for template_id in ids:
            for days_ago, *counts in self.daily_counts.get(str(template_id), []):
                day_end = end - timedelta(days=days_ago)
                day_start = day_end - timedelta(days=1)
                if day_start >= start:
                    points.append(AnalyticsPoint(str(template_id), day_start, day_end, *counts))
        return Answer(200, analytics_page(points))


def rate_limited(*, retry_after: int = 0, code: int = 80008) -> Answer:
    """Meta's answer when a WABA made too many calls."""
    usage = {"1": [{"type": "whatsapp_bm", "estimated_time_to_regain_access": 0}]}
    return Answer(
        429 if code == 0 else 400,
        error_body(
            message="(#80008) There have been too many calls to this WhatsApp Business account.",
            code=code or 4,
            type="OAuthException",
        ),
        headers={"Retry-After": str(retry_after), "x-business-use-case-usage": json.dumps(usage)},
    )


def usage_headers(percent: int) -> dict[str, str]:
    """Meta's rate-limit usage headers with every figure at `percent` of its limit."""
    figures = {"call_count": percent, "total_cputime": percent, "total_time": percent}
    business = {"type": "whatsapp_bm", **figures, "estimated_time_to_regain_access": 0}
    return {
        "X-App-Usage": json.dumps(figures),
        "X-Business-Use-Case-Usage": json.dumps({"1": [business]}),
    }


def server_error() -> Answer:
    return Answer(
        500,
        error_body(message="An unexpected error has occurred.", code=2, type="OAuthException"),
    )


def token_expired() -> Answer:
    return Answer(
        401,
        error_body(
            message="Error validating access token: Session has expired.", code=190, subcode=463
        ),
    )


def _first(query: Mapping[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _not_found(path: str) -> Answer:
    return Answer(
        404,
        error_body(message=f"Unknown path components: {path}", code=803, type="OAuthException"),
    )


def parse_query(raw: str) -> dict[str, list[str]]:
    return parse_qs(raw, keep_blank_values=True)
