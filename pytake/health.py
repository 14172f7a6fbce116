"""`GET /healthz`: is this process up and can it reach its database?

A middleware placed first, so it answers before CommonMiddleware checks the Host header: load
balancers and container health checks call it by IP or an internal name that ALLOWED_HOSTS
need not list. It reveals nothing but "ok" or which dependency is down.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse

HEALTH_PATH = "/healthz"

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
        if request.path_info != HEALTH_PATH:
            return self.get_response(request)
        return self.answer(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info != HEALTH_PATH:
            return await self.get_response(request)
        return await sync_to_async(self.answer)(request)

    def answer(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return JsonResponse({"detail": "Use GET."}, status=405, headers={"Allow": "GET, HEAD"})
        if database_reachable():
            return JsonResponse({"status": "ok", "database": "ok"})
        return JsonResponse(
            {"status": "unavailable", "database": "unreachable"},
            status=503,
            headers={"Cache-Control": "no-store"},
        )
