"""Production's password hasher: Django's PBKDF2 hashes, computed at the lowest CPU priority."""

from __future__ import annotations

import os
import sys
import threading

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password, make_password

from organizations import hashers

ITERATIONS = 1000  # the algorithm is what is tested, not its cost


@pytest.fixture
def production_hashers(settings):
    from django.conf import global_settings

    settings.PASSWORD_HASHERS = [
        "organizations.hashers.LowPriorityPBKDF2PasswordHasher",
        *global_settings.PASSWORD_HASHERS[1:],
    ]


def test_it_makes_the_hashes_djangos_pbkdf2_makes():
    low_priority = hashers.LowPriorityPBKDF2PasswordHasher()

    made = low_priority.encode("correct-horse-battery", "salt1234", ITERATIONS)

    assert made == PBKDF2PasswordHasher().encode("correct-horse-battery", "salt1234", ITERATIONS)
    assert low_priority.verify("correct-horse-battery", made)
    assert not low_priority.verify("wrong", made)


def test_passwords_stored_before_still_match(production_hashers):
    stored = PBKDF2PasswordHasher().encode("correct-horse-battery", "salt1234", ITERATIONS)

    assert check_password("correct-horse-battery", stored)
    assert make_password("x").startswith("pbkdf2_sha256$")


@pytest.mark.skipif(sys.platform != "linux", reason="a thread's own nice value is Linux's")
def test_the_hash_is_computed_at_the_lowest_cpu_priority():
    def priority_of_this_thread() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    hashing = hashers._hashing_threads().submit(priority_of_this_thread).result()

    assert hashing == 19
    assert priority_of_this_thread() == os.getpriority(os.PRIO_PROCESS, 0)  # the caller's kept
