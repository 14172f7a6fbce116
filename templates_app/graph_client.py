"""The client of Meta's Graph API: requests, Meta's errors, rate limits and retries.

The access token travels only in the Authorization header (never in a URL, a log line or an
error message). 5xx answers and timeouts are retried with a doubling backoff; rate limits
(codes 4, 80008, 613 and HTTP 429) wait as long as Meta asks, if that is not too long; at most
`max_tries` requests in all. Code 190 (token expired or revoked) is never retried.

Many requests can be on their way at once (analytics batches, the next listing page): the
client runs them on at most GRAPH_MAX_CONCURRENT_REQUESTS worker threads, and fewer while
Meta's usage headers (X-App-Usage, X-Business-Use-Case-Usage) say a limit is near. The worker
threads only speak HTTP and parse Meta's answers: the database stays with the caller's thread.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, Self, TypeVar

import httpx
from django.conf import settings
from django.utils import timezone

from pytake import metrics
from templates_app.meta.graph import (
    TEMPLATE_FIELDS,
    AnalyticsPoint,
    GraphErrorInfo,
    TemplatePage,
    parse_analytics_page,
    parse_error,
    parse_template_page,
    parse_waba,
    usage_percent,
    without_access_token,
)
from templates_app.meta.health import (
    HEALTH_FIELDS,
    PHONE_NUMBER_FIELDS,
    HealthStatus,
    PhoneNumberSnapshot,
    parse_health_status,
    parse_phone_number,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

MAX_TRIES = 5
PAGE_SIZE = 100
# Meta answers analytics for at most 10 templates per request.
ANALYTICS_BATCH = 10
# A listing longer than this many pages is taken for a paging loop (a cursor that never ends).
MAX_PAGES = 10_000
# Meta's usage (percent of a limit) from which requests go at half the concurrency, one at a
# time, and one at a time with a pause of `backoff` seconds before each.
HALF_SPEED_FROM = 50.0
ONE_AT_A_TIME_FROM = 75.0
PAUSED_FROM = 90.0


class GraphError(Exception):
    """Meta's Graph API refused or failed a request; `info` is its parsed error envelope."""

    def __init__(self, info: GraphErrorInfo, *, http_status: int | None = None) -> None:
        self.info = info
        self.http_status = http_status
        metrics.graph_api_error(info.code)  # only the client makes these: one per error it saw
        details = ", ".join(
            part
            for part in (
                f"HTTP {http_status}" if http_status else "",
                f"code {info.code}" if info.code is not None else "",
                f"subcode {info.subcode}" if info.subcode is not None else "",
                f"trace {info.fbtrace_id}" if info.fbtrace_id else "",
            )
            if part
        )
        super().__init__(f"{info.message} ({details})" if details else info.message)

    @property
    def code(self) -> int | None:
        return self.info.code

    @property
    def subcode(self) -> int | None:
        return self.info.subcode

    @property
    def fbtrace_id(self) -> str:
        return self.info.fbtrace_id


class GraphRateLimited(GraphError):
    """Meta asks us to slow down; `retry_after` is how many seconds it asked for."""

    def __init__(
        self, info: GraphErrorInfo, *, http_status: int | None, retry_after: float
    ) -> None:
        super().__init__(info, http_status=http_status)
        self.retry_after = retry_after


class GraphTokenInvalid(GraphError):
    """Code 190: the access token expired or was revoked. Retrying cannot help."""


class GraphUnavailable(GraphError):
    """Meta answered 5xx, or did not answer in time, on every try."""


class RequestGate:
    """At most `limit` requests in flight; fewer as Meta's reported usage nears its limits."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.usage = 0.0
        self._in_flight = 0
        self._changed = threading.Condition()

    def allowed(self) -> int:
        if self.usage >= ONE_AT_A_TIME_FROM:
            return 1
        if self.usage >= HALF_SPEED_FROM:
            return max(1, self.limit // 2)
        return self.limit

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: self._in_flight < self.allowed())
            self._in_flight += 1
        try:
            yield
        finally:
            with self._changed:
                self._in_flight -= 1
                self._changed.notify_all()

    def observe(self, usage: float | None) -> None:
        """Meta's latest usage figure; an answer without one leaves the last in force."""
        if usage is None:
            return
        with self._changed:
            self.usage = usage
            self._changed.notify_all()


class GraphClient:
    """One access token's view of the Graph API. Use as a context manager."""

    def __init__(
        self,
        *,
        access_token: str,
        base_url: str | None = None,
        version: str | None = None,
        timeout: float | None = None,
        backoff: float | None = None,
        max_wait: float | None = None,
        max_tries: int = MAX_TRIES,
        max_concurrent: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        base = (base_url or settings.GRAPH_API_BASE_URL).rstrip("/")
        self.api_root = f"{base}/{version or settings.GRAPH_API_VERSION}"
        self.backoff = settings.GRAPH_API_BACKOFF_SECONDS if backoff is None else backoff
        self.max_wait = settings.GRAPH_API_MAX_WAIT_SECONDS if max_wait is None else max_wait
        self.max_tries = max_tries
        self.sleep = sleep
        self.requests_made = 0
        self.max_concurrent = max(
            1,
            settings.GRAPH_MAX_CONCURRENT_REQUESTS if max_concurrent is None else max_concurrent,
        )
        self.gate = RequestGate(self.max_concurrent)
        self._counting = threading.Lock()
        self._workers: ThreadPoolExecutor | None = None
        self._http = httpx.Client(
            timeout=settings.GRAPH_API_TIMEOUT_SECONDS if timeout is None else timeout,
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            follow_redirects=False,
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._workers is not None:
            # What nobody will read is not asked; a request under way is let finish.
            self._workers.shutdown(wait=True, cancel_futures=True)
        self._http.close()

    def submit(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
        """Run `work` (requests to Meta, never the database) on one of the client's threads."""
        if self._workers is None:
            self._workers = ThreadPoolExecutor(
                max_workers=self.max_concurrent, thread_name_prefix="graph"
            )
        return self._workers.submit(work, *args, **kwargs)

    # --- Meta's endpoints ------------------------------------------------------------------

    def waba_id_seen(self, waba_id: str) -> str | None:
        """`GET /{waba_id}`: the id Meta shows this token, or None if it shows none."""
        return parse_waba(self.get(f"{self.api_root}/{waba_id}", params={"fields": "id,name"}))

    def health_status(self, node_id: str) -> HealthStatus:
        """`GET /{node_id}?fields=health_status`: can the WABA (or number, template) send?"""
        return parse_health_status(
            self.get(f"{self.api_root}/{node_id}", params={"fields": HEALTH_FIELDS})
        )

    def phone_number(self, phone_number_id: str) -> PhoneNumberSnapshot:
        """`GET /{phone_number_id}`: its health, quality, limit, status and name status."""
        return parse_phone_number(
            self.get(f"{self.api_root}/{phone_number_id}", params={"fields": PHONE_NUMBER_FIELDS})
        )

    def template_pages(self, waba_id: str, *, limit: int = PAGE_SIZE) -> Iterator[TemplatePage]:
        """Every page of the WABA's templates: `paging.next`, else `paging.cursors.after`."""
        url = f"{self.api_root}/{waba_id}/message_templates"
        params: dict[str, Any] | None = {"fields": TEMPLATE_FIELDS, "limit": limit}
        for _ in range(MAX_PAGES):
            page = parse_template_page(self.get(url, params=params))
            yield page
            if page.empty:
                return
            if page.next_url:
                url, params = without_access_token(page.next_url), None
            elif page.after:
                url = f"{self.api_root}/{waba_id}/message_templates"
                params = {"fields": TEMPLATE_FIELDS, "limit": limit, "after": page.after}
            else:
                return
        raise GraphError(
            GraphErrorInfo(
                message=f"Meta's listing did not end after {MAX_PAGES} pages",
                type="",
                code=None,
                subcode=None,
                fbtrace_id="",
            )
        )

    def template_pages_ahead(
        self, waba_id: str, *, limit: int = PAGE_SIZE
    ) -> Iterator[tuple[datetime, TemplatePage]]:
        """`template_pages`, each with the time it was asked for, the next page asked for on a
        worker thread while the caller handles this one (Meta's cursor allows no more)."""
        pages = self.template_pages(waba_id, limit=limit)

        def ask() -> tuple[datetime, TemplatePage | None]:
            asked_at = timezone.now()
            return asked_at, next(pages, None)

        pending = self.submit(ask)
        try:
            while True:
                asked_at, page = pending.result()
                if page is None:
                    return
                pending = self.submit(ask)
                yield asked_at, page
        finally:
            pending.cancel()

    def template_analytics(
        self, waba_id: str, *, template_ids: Iterable[str], start: datetime, end: datetime
    ) -> list[AnalyticsPoint]:
        """Daily SENT, DELIVERED, READ and CLICKED counts of the templates, `start` to `end`."""
        return gather_points(
            self.ask_template_analytics(waba_id, template_ids=template_ids, start=start, end=end)
        )

    def ask_template_analytics(
        self, waba_id: str, *, template_ids: Iterable[str], start: datetime, end: datetime
    ) -> list[Future[list[AnalyticsPoint]]]:
        """`template_analytics` asked for on the worker threads, one request per batch of
        templates Meta allows; `gather_points` waits for the answers."""
        ids = list(template_ids)
        return [
            self.submit(
                self._analytics_batch,
                waba_id,
                ids[offset : offset + ANALYTICS_BATCH],
                start=start,
                end=end,
            )
            for offset in range(0, len(ids), ANALYTICS_BATCH)
        ]

    def _analytics_batch(
        self, waba_id: str, template_ids: list[str], *, start: datetime, end: datetime
    ) -> list[AnalyticsPoint]:
        url: str | None = f"{self.api_root}/{waba_id}/template_analytics"
        params: dict[str, Any] | None = {
            "start": int(start.timestamp()),
            "end": int(end.timestamp()),
            "granularity": "DAILY",
            "metric_types": json.dumps(["SENT", "DELIVERED", "READ", "CLICKED"]),
            "template_ids": json.dumps(template_ids),
        }
        points: list[AnalyticsPoint] = []
        while url is not None:
            page = parse_analytics_page(self.get(url, params=params))
            points.extend(page.points)
            url = without_access_token(page.next_url) if page.next_url else None
            params = None
        return points

    def unpause_template(self, template_id: str) -> bool:
        """`POST /{template_id}/unpause`, once (it changes what Meta does): Meta's `success`.

        Raises a GraphError subclass carrying Meta's own error when Meta refuses or is out of
        reach.
        """
        with self._counting:
            self.requests_made += 1
        try:
            response = self._http.post(f"{self.api_root}/{template_id}/unpause")
        except httpx.TimeoutException:
            raise GraphUnavailable(_info("Meta's Graph API did not answer in time")) from None
        except httpx.TransportError as exc:
            raise GraphUnavailable(
                _info(f"Meta's Graph API could not be reached ({type(exc).__name__})")
            ) from None
        if not response.is_success:
            info = parse_error(response.content, http_status=response.status_code)
            if info.is_token_invalid:
                raise GraphTokenInvalid(info, http_status=response.status_code)
            raise GraphError(info, http_status=response.status_code)
        try:
            body = response.json()
        except ValueError:
            raise GraphError(
                _info("Meta's Graph API answered something that is not JSON"),
                http_status=response.status_code,
            ) from None
        return isinstance(body, dict) and body.get("success") is True

    # --- one request, with Meta's errors and retries ---------------------------------------

    def get(self, url: str, *, params: dict[str, Any] | None = None) -> Any:
        """GET a Graph URL and return its JSON; raises a GraphError subclass when it cannot."""
        failure: GraphError | None = None
        for attempt in range(1, self.max_tries + 1):
            if self.gate.usage >= PAUSED_FROM:
                self.sleep(self.backoff)  # Meta's limit is near: leave it room to recover.
            with self._counting:
                self.requests_made += 1
            try:
                with self.gate.slot():
                    response = self._http.get(url, params=params)
                self.gate.observe(
                    usage_percent(
                        app_usage=response.headers.get("x-app-usage"),
                        business_use_case_usage=response.headers.get("x-business-use-case-usage"),
                    )
                )
            except httpx.TimeoutException:
                failure = GraphUnavailable(_info("Meta's Graph API did not answer in time"))
                wait = self._backoff(attempt)
            except httpx.TransportError as exc:
                failure = GraphUnavailable(
                    _info(f"Meta's Graph API could not be reached ({type(exc).__name__})")
                )
                wait = self._backoff(attempt)
            else:
                if response.is_success:
                    try:
                        return response.json()
                    except ValueError:
                        raise GraphError(
                            _info("Meta's Graph API answered something that is not JSON"),
                            http_status=response.status_code,
                        ) from None
                failure, wait = self._failure(response, attempt)
            logger.warning(
                "Graph API request failed (try %s of %s): %s", attempt, self.max_tries, failure
            )
            if attempt < self.max_tries:
                self.sleep(wait)
        assert failure is not None
        raise failure

    def _failure(self, response: httpx.Response, attempt: int) -> tuple[GraphError, float]:
        """The error of a failed answer and how long to wait before trying again; raises when
        trying again cannot help."""
        status = response.status_code
        info = parse_error(response.content, http_status=status)
        if info.is_token_invalid:
            raise GraphTokenInvalid(info, http_status=status)
        if status == 429 or info.is_rate_limit:
            wait = _asked_wait(response.headers)
            if wait is None:
                wait = self._backoff(attempt)
            limited = GraphRateLimited(info, http_status=status, retry_after=wait)
            if wait > self.max_wait:
                raise limited
            return limited, wait
        if status >= 500:
            return GraphUnavailable(info, http_status=status), self._backoff(attempt)
        raise GraphError(info, http_status=status)

    def _backoff(self, attempt: int) -> float:
        return self.backoff * 2 ** (attempt - 1)


def gather_points(asked: Sequence[Future[list[AnalyticsPoint]]]) -> list[AnalyticsPoint]:
    """The points of every request asked, in the order asked. When one failed, the rest are
    called off and the error of the first (in that order) that failed is raised."""
    done, _ = wait(asked, return_when=FIRST_EXCEPTION)
    if any(future.exception() is not None for future in done):
        for future in asked:
            future.cancel()
        wait(asked)
        for future in asked:
            if not future.cancelled() and future.exception() is not None:
                raise future.exception()  # type: ignore[misc]
    return [point for future in asked for point in future.result()]


def _info(message: str) -> GraphErrorInfo:
    return GraphErrorInfo(message=message, type="", code=None, subcode=None, fbtrace_id="")


def _asked_wait(headers: httpx.Headers) -> float | None:
    """Seconds Meta asks us to wait: the longer of `Retry-After` and the business use case
    usage header's `estimated_time_to_regain_access` (minutes)."""
    waits: list[float] = []
    retry_after = headers.get("Retry-After", "").strip()
    if retry_after.isdigit():
        waits.append(float(retry_after))
    elif retry_after:
        with contextlib.suppress(TypeError, ValueError):
            waits.append(
                max((parsedate_to_datetime(retry_after) - timezone.now()).total_seconds(), 0)
            )
    usage = headers.get("x-business-use-case-usage")
    if usage:
        try:
            by_account = json.loads(usage)
        except ValueError:
            by_account = {}
        for entries in by_account.values() if isinstance(by_account, dict) else ():
            for entry in entries if isinstance(entries, list) else ():
                minutes = (
                    entry.get("estimated_time_to_regain_access")
                    if isinstance(entry, dict)
                    else None
                )
                if isinstance(minutes, int | float) and not isinstance(minutes, bool):
                    waits.append(float(minutes) * 60)
    return max(waits) if waits else None
