"""A password hasher that takes time, as production's does, and counts how many ran at once."""

from __future__ import annotations

import threading
import time

from django.contrib.auth.hashers import MD5PasswordHasher


class SlowPasswordHasher(MD5PasswordHasher):
    """MD5 that takes `seconds` per hash (sleeping, so threads really overlap)."""

    algorithm = "slow_md5"
    seconds = 0.05
    started = 0
    running = 0
    most_at_once = 0
    _lock = threading.Lock()

    @classmethod
    def reset(cls, *, seconds: float) -> None:
        cls.seconds, cls.started, cls.running, cls.most_at_once = seconds, 0, 0, 0

    def encode(self, password: str, salt: str) -> str:
        cls = type(self)
        with cls._lock:
            cls.started += 1
            cls.running += 1
            cls.most_at_once = max(cls.most_at_once, cls.running)
        try:
            time.sleep(cls.seconds)
            return super().encode(password, salt)
        finally:
            with cls._lock:
                cls.running -= 1
