"""Failed logins counted per username and per client IP, in Django's cache.

The API's token endpoint and the admin's login share these counters. Each counter is a fixed
window that opens with the first failure and lasts LOGIN_FAILURE_WINDOW_SECONDS; once a
counter reaches its limit, logins for that username (or from that IP) are refused with 429
until its window ends. The cache is Redis in production, so every server process sees the
same counts.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from pytake import metrics

KEY_PREFIX = "login-failures"


@dataclass(frozen=True, slots=True)
class Counter:
    key: str
    limit: int

    @property
    def ends_key(self) -> str:
        return f"{self.key}:ends"


def client_ip(request: HttpRequest) -> str:
    """The peer's address as the ASGI server reports it (it applies trusted proxy headers)."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def _counters(*, username: str, ip: str) -> list[Counter]:
    # Hashed: a username may hold any character, a cache key may not.
    name = hashlib.sha256(username.strip().casefold().encode()).hexdigest()
    return [
        Counter(f"{KEY_PREFIX}:username:{name}", settings.LOGIN_FAILURE_LIMIT_PER_USERNAME),
        Counter(f"{KEY_PREFIX}:ip:{ip}", settings.LOGIN_FAILURE_LIMIT_PER_IP),
    ]


def seconds_locked_out(*, username: str, ip: str) -> int:
    """Seconds until a login for `username` from `ip` may be tried again; 0 when it may now.

    Callers refuse the login when it is positive, so each such answer is counted as refused.
    """
    wait = 0.0
    for counter in _counters(username=username, ip=ip):
        values = cache.get_many([counter.key, counter.ends_key])
        if values.get(counter.key, 0) >= counter.limit:
            wait = max(wait, values.get(counter.ends_key, time.time() + 1) - time.time())
    if wait > 0:
        metrics.login_throttled()
    return max(0, math.ceil(wait))


def record_failure(*, username: str, ip: str) -> None:
    """Count one failed login against the username and the IP."""
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    for counter in _counters(username=username, ip=ip):
        # add() opens the window only if none is open; incr() is atomic on Redis.
        if cache.add(counter.key, 0, timeout=window):
            cache.set(counter.ends_key, time.time() + window, timeout=window)
        try:
            cache.incr(counter.key)
        except ValueError:  # the window closed between add() and incr(): open a new one
            cache.set_many({counter.key: 1, counter.ends_key: time.time() + window}, window)


def forget_username(*, username: str) -> None:
    """A successful login clears its username's failures (not its IP's)."""
    counter = _counters(username=username, ip="")[0]
    cache.delete_many([counter.key, counter.ends_key])
