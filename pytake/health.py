"""`GET /healthz` (liveness), `GET /readyz` (readiness) and `GET /metrics`.

A middleware placed first, so it answers before CommonMiddleware checks the Host header: load
balancers, container health checks and Prometheus call it by IP or an internal name that
ALLOWED_HOSTS need not list. /healthz and /readyz reveal nothing but which dependency is down;
/metrics answers only with METRICS_TOKEN (pytake/metrics.py).

/healthz says whether this process is up and reaches its database: restart it when not.
/readyz says whether it should take traffic: the database and Redis answer, every migration is
applied, and the task worker keeps up with Meta's deliveries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse

from pytake import metrics, metrics_queries

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"

logger = logging.getLogger(__name__)


def database_reachable() -> bool:
    """One round trip to the default database."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("Health check: the database is unreachable.", exc_info=True)
        return False
    return True


def unapplied_migrations() -> list[str]:
    """Migrations the code holds and the database has not applied, as `app.name`."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def redis_problem() -> str | None:
    """None when Redis answers a PING (or none is configured), else what went wrong."""
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
        )
        with client:
            client.ping()
    except redis.RedisError as error:
        logger.warning("Readiness: Redis does not answer (%s).", error)
        return f"Redis does not answer ({type(error).__name__})."
    return None


def readiness() -> tuple[bool, dict[str, str]]:
    """Each check's verdict ("ok", or a sentence saying what failed), and whether all passed."""
    checks: dict[str, str] = {}
    failed = False

    def fail(name: str, sentence: str) -> None:
        nonlocal failed
        failed = True
        checks[name] = sentence

    if database_reachable():
        checks["database"] = "ok"
        try:
            pending = unapplied_migrations()
        except DatabaseError:
            logger.warning("Readiness: the migrations could not be read.", exc_info=True)
            pending = ["(unreadable)"]
        if pending:
            fail(
                "migrations",
                f"{len(pending)} migration(s) not applied, first {pending[0]}: run migrate.",
            )
        else:
            checks["migrations"] = "ok"
        if not pending:
            _waiting, oldest_age = metrics_queries.backlog()
            limit = settings.READY_MAX_BACKLOG_SECONDS
            if oldest_age > limit:
                fail(
                    "backlog",
                    f"The oldest delivery waiting to be applied was received {int(oldest_age)} "
                    f"seconds ago, more than {limit}: is the task worker running?",
                )
            else:
                checks["backlog"] = "ok"
    else:
        fail("database", "The database does not answer.")
    if settings.REDIS_URL:
        problem = redis_problem()
        if problem:
            fail("redis", problem)
        else:
            checks["redis"] = "ok"
    return not failed, checks


def liveness_response(request: HttpRequest) -> HttpResponse:
    if database_reachable():
        return JsonResponse({"status": "ok", "database": "ok"})
    return JsonResponse(
        {"status": "unavailable", "database": "unreachable"},
        status=503,
        headers={"Cache-Control": "no-store"},
    )


def readiness_response(request: HttpRequest) -> HttpResponse:
    ready, checks = readiness()
    if ready:
        return JsonResponse(
            {"status": "ready", "checks": checks}, headers={"Cache-Control": "no-store"}
        )
    failed = [name for name, verdict in checks.items() if verdict != "ok"]
    return JsonResponse(
        {
            "status": "unavailable",
            "detail": "Not ready: " + ", ".join(failed) + ".",
            "failed": failed,
            "checks": checks,
        },
        status=503,
        headers={"Cache-Control": "no-store"},
    )


def _read_only(answer: Callable[[HttpRequest], HttpResponse]) -> Callable:
    def guarded(request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return JsonResponse({"detail": "Use GET."}, status=405, headers={"Allow": "GET, HEAD"})
        return answer(request)

    return guarded


ENDPOINTS: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    HEALTH_PATH: _read_only(liveness_response),
    READY_PATH: _read_only(readiness_response),
    METRICS_PATH: metrics.metrics_response,
}


class HealthCheckMiddleware:
    # Async-capable: first in the chain, a sync-only one would send every request under ASGI
    # to a thread and back before any other middleware ran.
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.async_mode:
            return self.__acall__(request)
        answer = ENDPOINTS.get(request.path_info)
        return answer(request) if answer else self.get_response(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        answer = ENDPOINTS.get(request.path_info)
        if answer is None:
            return await self.get_response(request)
        return await sync_to_async(answer)(request)
