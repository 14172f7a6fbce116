"""Every metric PyTake exports, and what `GET /metrics` answers.

Two sources, so that several processes report one right figure:

- What the database holds (deliveries by outcome and field, the backlog, open alerts,
  notification deliveries, sync runs) is counted at scrape time by `DatabaseCollector`, a few
  aggregate queries: every process answers the same totals.
- What happens only in a process's memory (changes applied, receipt-to-applied times, Graph
  API errors, live WebSocket connections, throttled logins) is recorded here with one call
  from where it happens. With PROMETHEUS_MULTIPROC_DIR set, every process (web and task
  workers) writes its figures to files in that directory and a scrape sums them; without it
  (one process, the embedded default) they live in this process.
"""

from __future__ import annotations

import hmac
import os
import socket
from collections import Counter as Tally
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
if MULTIPROC_DIR:
    Path(MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)
    # Files are named by process; containers sharing the directory may reuse a pid, so the
    # host name (a container's id) is part of the name.
    _host = socket.gethostname().replace("_", "-")
    values.ValueClass = values.MultiProcessValue(lambda: f"{_host}-{os.getpid()}")

# --- recorded in process (multiprocess files when PROMETHEUS_MULTIPROC_DIR is set) -------------

TEMPLATE_CHANGES_APPLIED = Counter(
    "pytake_template_changes_applied",
    "Changes applied to templates (committed), by kind and by where the news came from.",
    ["kind", "source"],
)
DELIVERY_APPLY_SECONDS = Histogram(
    "pytake_webhook_delivery_apply_seconds",
    "Seconds from a webhook delivery's receipt to its changes being applied (committed).",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600),
)
GRAPH_API_ERRORS = Counter(
    "pytake_graph_api_errors",
    "Failed Graph API requests, by Meta's error code ('none' when Meta gave none).",
    ["code"],
)
LIVE_CONNECTIONS = Gauge(
    "pytake_live_connections",
    "WebSocket connections open on ws/updates/.",
    multiprocess_mode="livesum",
)
LOGINS_THROTTLED = Counter(
    "pytake_logins_throttled",
    "Logins refused (429) because of too many failures for a username or from an address.",
)


def count_template_changes(changes: Sequence[Any], context: Any) -> None:
    """The last of TEMPLATE_REACTIONS: count a unit of work's changes by kind and source once
    its transaction commits (a rolled-back change never was)."""
    from django.db import transaction

    counts = Tally((str(change.kind), str(change.source)) for change in changes)

    def count() -> None:
        for (kind, source), number in counts.items():
            TEMPLATE_CHANGES_APPLIED.labels(kind=kind, source=source).inc(number)

    transaction.on_commit(count)


def delivery_applied(*, seconds: float) -> None:
    """Observe a delivery's receipt-to-applied time once its transaction commits."""
    from django.db import transaction

    transaction.on_commit(lambda: DELIVERY_APPLY_SECONDS.observe(max(seconds, 0.0)))


def graph_api_error(code: int | None) -> None:
    GRAPH_API_ERRORS.labels(code="none" if code is None else str(code)).inc()


def login_throttled() -> None:
    LOGINS_THROTTLED.inc()


ASGIApp = Callable[[dict, Callable, Callable], Awaitable[None]]


class CountLiveConnections:
    """ASGI wrapper around the WebSocket routes: a socket counts from its accept to its end."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        accepted = False

        async def counting_send(message: dict) -> None:
            nonlocal accepted
            if message["type"] == "websocket.accept" and not accepted:
                accepted = True
                LIVE_CONNECTIONS.inc()
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            if accepted:
                LIVE_CONNECTIONS.dec()


# --- counted from the database at scrape time --------------------------------------------------


class DatabaseCollector(Collector):
    """What the database holds, counted when Prometheus scrapes: right whatever the processes."""

    def collect(self) -> Iterator[Metric]:
        # Imported here: apps import this module, and models need the app registry ready.
        from pytake.metrics_queries import (
            alert_counts,
            backlog,
            delivery_counts,
            job_run_counts,
            notification_counts,
            sync_run_counts,
        )

        deliveries = GaugeMetricFamily(
            "pytake_webhook_deliveries",
            "Webhook deliveries stored, by outcome and by Meta's field (pruning lowers it).",
            labels=["outcome", "field"],
        )
        for (outcome, field), count in delivery_counts().items():
            deliveries.add_metric([outcome, field], count)
        yield deliveries

        waiting, oldest_age = backlog()
        yield GaugeMetricFamily(
            "pytake_webhook_backlog_deliveries",
            "Webhook deliveries received and not yet applied (status received).",
            value=waiting,
        )
        yield GaugeMetricFamily(
            "pytake_webhook_backlog_oldest_age_seconds",
            "Age of the oldest delivery not yet applied, in seconds (0 when none waits).",
            value=oldest_age,
        )

        alerts = GaugeMetricFamily(
            "pytake_alerts_open",
            "Alerts open or acknowledged (not resolved), by severity, kind and status.",
            labels=["severity", "kind", "status"],
        )
        for (severity, kind, status), count in alert_counts().items():
            alerts.add_metric([severity, kind, status], count)
        yield alerts

        notifications = GaugeMetricFamily(
            "pytake_notification_deliveries",
            "Notification deliveries stored, by channel kind and outcome.",
            labels=["channel_kind", "outcome"],
        )
        for (channel_kind, outcome), count in notification_counts().items():
            notifications.add_metric([channel_kind, outcome], count)
        yield notifications

        sync_runs = GaugeMetricFamily(
            "pytake_sync_runs",
            "Template syncs with Meta's Graph API stored, by outcome.",
            labels=["outcome"],
        )
        for outcome, count in sync_run_counts().items():
            sync_runs.add_metric([outcome], count)
        yield sync_runs

        job_runs = GaugeMetricFamily(
            "pytake_scheduled_job_runs",
            "Scheduled job periods kept, by job and outcome (running, succeeded, failed).",
            labels=["job", "outcome"],
        )
        for (job, outcome), count in job_run_counts().items():
            job_runs.add_metric([job, outcome], count)
        yield job_runs


def _in_process_collectors() -> CollectorRegistry:
    if not MULTIPROC_DIR:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=MULTIPROC_DIR)
    return registry


def exposition() -> bytes:
    """The text Prometheus scrapes: the in-process figures and the database's counts."""
    registry = CollectorRegistry()
    registry.register(DatabaseCollector())
    return generate_latest(_in_process_collectors()) + generate_latest(registry)


# --- GET /metrics ------------------------------------------------------------------------------


def metrics_response(request: HttpRequest) -> HttpResponse:
    """`GET /metrics`: 404 unless METRICS_TOKEN is set, then only with `Bearer <token>`."""

    if not settings.METRICS_TOKEN:
        # Never public by accident: without a token the endpoint does not exist.
        return JsonResponse({"detail": "Not found."}, status=404)
    if request.method not in ("GET", "HEAD"):
        return JsonResponse({"detail": "Use GET."}, status=405, headers={"Allow": "GET, HEAD"})
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not offered.strip():
        return JsonResponse(
            {"detail": "Metrics need an Authorization: Bearer header."},
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    if not hmac.compare_digest(offered.strip().encode(), settings.METRICS_TOKEN.encode()):
        return JsonResponse({"detail": "This token may not read the metrics."}, status=403)
    return HttpResponse(
        exposition(), content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"}
    )
