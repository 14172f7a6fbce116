"""Login attempts counted per username and per client IP, and password hashing bounded per process.

The API's token endpoint, the admin's and the dashboard's logins and the admin's password change
share these counters. An attempt is claimed before its password is checked: one atomic step
(a Lua script in Redis, which every server process shares; a lock around the process's own cache
otherwise) refuses it if either counter has reached its limit, and else counts it against both.
So however many requests arrive at once, at most LOGIN_FAILURE_LIMIT_PER_USERNAME passwords of a
username are checked per window. A success gives its claims back: the username's counter is
cleared, the IP's claim returned, so only failures lock anyone out.

Each counter is a fixed window that opens with its first attempt and lasts
LOGIN_FAILURE_WINDOW_SECONDS. Then, at most LOGIN_MAX_CONCURRENT_HASHES passwords are hashed at
once in a process (hashing is slow on purpose): an attempt waits up to LOGIN_HASH_WAIT_SECONDS
for a turn, else it is refused with 429 and its claim given back.
"""

from __future__ import annotations

import functools
import hashlib
import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest
from redis.commands.core import Script

from pytake import metrics

KEY_PREFIX = "login-attempts"
LOCKED_OUT = "Too many failed logins for this username or from this address."
BUSY = "Too many logins are being checked at this moment."
# A hashing turn frees up within a second or so: that is when to come back.
BUSY_RETRY_AFTER_SECONDS = 1

# KEYS: the counters (hashes of count and ends); ARGV: now, the window, then each key's limit.
# Returns "0" when the attempt was counted, else the seconds until it may be tried again.
CLAIM_SCRIPT = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local wait = 0
for i, key in ipairs(KEYS) do
  local values = redis.call('HMGET', key, 'count', 'ends')
  local count, ends = tonumber(values[1]) or 0, tonumber(values[2])
  if ends == nil or ends <= now then
    count, ends = 0, now + window
    redis.call('HSET', key, 'count', 0, 'ends', string.format('%.3f', ends))
    redis.call('EXPIRE', key, math.ceil(window))
  end
  if count >= tonumber(ARGV[2 + i]) then wait = math.max(wait, ends - now) end
end
if wait > 0 then return string.format('%.3f', wait) end
for _, key in ipairs(KEYS) do redis.call('HINCRBY', key, 'count', 1) end
return '0'
"""
REFUND_SCRIPT = """
for _, key in ipairs(KEYS) do
  if (tonumber(redis.call('HGET', key, 'count')) or 0) > 0 then
    redis.call('HINCRBY', key, 'count', -1)
  end
end
"""


class LoginRefused(Exception):
    """The attempt was not evaluated: answer 429 with Retry-After `wait` seconds."""

    def __init__(self, *, wait: int, detail: str) -> None:
        super().__init__(detail)
        self.wait = wait
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Counter:
    key: str
    limit: int


@dataclass(slots=True)
class Attempt:
    """A claimed attempt; the caller marks it `succeeded` once the password matched."""

    username: str
    ip: str
    succeeded: bool = False


def client_ip(request: HttpRequest) -> str:
    """The peer's address as the ASGI server reports it (it applies trusted proxy headers)."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def _username_counter(username: str) -> Counter:
    # Hashed: a username may hold any character, a cache key may not.
    name = hashlib.sha256(username.strip().casefold().encode()).hexdigest()
    return Counter(f"{KEY_PREFIX}:username:{name}", settings.LOGIN_FAILURE_LIMIT_PER_USERNAME)


def _ip_counter(ip: str) -> Counter:
    return Counter(f"{KEY_PREFIX}:ip:{ip}", settings.LOGIN_FAILURE_LIMIT_PER_IP)


@functools.cache
def _redis_scripts(location: str) -> tuple[redis.Redis, Script, Script]:
    client = redis.Redis.from_url(location, socket_timeout=5, socket_connect_timeout=2)
    return client, client.register_script(CLAIM_SCRIPT), client.register_script(REFUND_SCRIPT)


def _in_redis(
    counters: list[Counter],
) -> tuple[tuple[redis.Redis, Script, Script], list[str]] | None:
    """The cache's Redis and the counters' keys in it, or None when the cache is not Redis."""
    if not isinstance(caches["default"], RedisCache):
        return None
    keys = [cache.make_and_validate_key(counter.key) for counter in counters]
    return _redis_scripts(settings.CACHES["default"]["LOCATION"]), keys


def _claim(counters: list[Counter]) -> float:
    """Count an attempt against every counter, or none when one is at its limit; the wait then."""
    now, window = time.time(), settings.LOGIN_FAILURE_WINDOW_SECONDS
    if redis_keys := _in_redis(counters):
        (_, claim, _), keys = redis_keys
        return float(claim(keys=keys, args=[now, window, *(c.limit for c in counters)]))
    with _local_lock:
        stored = cache.get_many([counter.key for counter in counters])
        windows = {}
        wait = 0.0
        for counter in counters:
            count, ends = stored.get(counter.key, (0, 0.0))
            if ends <= now:
                count, ends = 0, now + window
            windows[counter.key] = (count, ends)
            if count >= counter.limit:
                wait = max(wait, ends - now)
        if not wait:
            claimed = {key: (count + 1, ends) for key, (count, ends) in windows.items()}
            cache.set_many(claimed, window)
        return wait


def _refund(counters: list[Counter]) -> None:
    """Give back one claimed attempt on each counter."""
    if redis_keys := _in_redis(counters):
        (_, _, refund), keys = redis_keys
        refund(keys=keys)
        return
    with _local_lock:
        stored = cache.get_many([counter.key for counter in counters])
        refunded = {key: (max(0, count - 1), ends) for key, (count, ends) in stored.items()}
        cache.set_many(refunded, settings.LOGIN_FAILURE_WINDOW_SECONDS)


def _forget(counter: Counter) -> None:
    if redis_keys := _in_redis([counter]):
        (client, _, _), keys = redis_keys
        client.delete(*keys)
    else:
        cache.delete(counter.key)


# The process's own cache (no Redis) is shared by its threads only: one lock makes a claim atomic.
_local_lock = threading.Lock()
_hashing_turns: dict[int, threading.BoundedSemaphore] = {}
_hashing_turns_lock = threading.Lock()


def _hashing_turn() -> threading.BoundedSemaphore:
    """This process's semaphore for LOGIN_MAX_CONCURRENT_HASHES (one per value of the setting)."""
    size = settings.LOGIN_MAX_CONCURRENT_HASHES
    with _hashing_turns_lock:
        return _hashing_turns.setdefault(size, threading.BoundedSemaphore(size))


def claim_attempt(*, username: str, ip: str) -> None:
    """Count one attempt for `username` from `ip`, or raise LoginRefused if either is locked."""
    wait = _claim([_username_counter(username), _ip_counter(ip)])
    if wait:
        metrics.login_throttled()
        raise LoginRefused(wait=max(1, math.ceil(wait)), detail=LOCKED_OUT)


def forget_success(*, username: str, ip: str) -> None:
    """A correct password clears its username's failures and gives its IP's claim back."""
    _forget(_username_counter(username))
    _refund([_ip_counter(ip)])


@contextmanager
def attempt(*, username: str, ip: str) -> Iterator[Attempt]:
    """An attempt to check `username`'s password from `ip`, claimed and given a hashing turn.

    Raises LoginRefused before the block runs (it must touch no database before this) when the
    username or IP is locked out, or when no hashing turn frees up in LOGIN_HASH_WAIT_SECONDS.
    Set `succeeded` on the attempt when the password matched.
    """
    claim_attempt(username=username, ip=ip)
    turn = _hashing_turn()
    if not turn.acquire(timeout=settings.LOGIN_HASH_WAIT_SECONDS):
        _refund([_username_counter(username), _ip_counter(ip)])  # it was never evaluated
        metrics.login_throttled()
        raise LoginRefused(wait=BUSY_RETRY_AFTER_SECONDS, detail=BUSY)
    current = Attempt(username=username, ip=ip)
    try:
        yield current
    finally:
        turn.release()
    if current.succeeded:
        forget_success(username=username, ip=ip)
