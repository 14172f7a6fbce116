"""Password hashing at the lowest CPU priority, so a login storm leaves the cores to other work.

PBKDF2 takes a core for most of a second on purpose. Hashed in the request's own thread, a few
logins at once take every core from the requests beside them (Meta's webhook among them). Here
the hash runs in a small pool of threads niced to 19 (Linux sets a thread's nice value on its
own), so the scheduler gives any other runnable work the cores first; the hash is the same.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from django.contrib.auth.hashers import PBKDF2PasswordHasher

LOWEST_PRIORITY = 19


def _lower_this_threads_priority() -> None:
    if sys.platform == "linux":  # elsewhere the call would lower the whole process
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOWEST_PRIORITY)


@functools.cache
def _hashing_threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(
        max_workers=os.cpu_count() or 1,
        thread_name_prefix="password-hashing",
        initializer=_lower_this_threads_priority,
    )


class LowPriorityPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Django's PBKDF2 (the same algorithm and hashes), computed in a niced thread."""

    def encode(self, password: str, salt: str, iterations: int | None = None) -> str:
        encode = super().encode
        return _hashing_threads().submit(encode, password, salt, iterations).result()
