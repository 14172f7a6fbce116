"""Login limits hold when attempts arrive at once, and hashing is bounded per process.

Each request runs in a thread of its own, with its own database connection, as the server's
threads do; on PostgreSQL + Redis, where the counters are shared as in production.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests import factories
from tests.organizations.hashers import SlowPasswordHasher
from tests.webhooks import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TOKEN_URL = "/api/v1/auth/token"
ADMIN_LOGIN_URL = "/admin/login/"
PASSWORD = "correct-horse-battery"
BURST = 30


@pytest.fixture(autouse=True)
def slow_password_hasher(settings):
    """Hashing takes time, as in production, so that attempts really overlap."""
    settings.PASSWORD_HASHERS = ["tests.organizations.hashers.SlowPasswordHasher"]
    SlowPasswordHasher.reset(seconds=0.05)


def token(username: str, password: str, ip: str = "203.0.113.7") -> Any:
    return APIClient().post(
        TOKEN_URL, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip
    )


def admin_login(username: str, password: str) -> Any:
    return Client().post(ADMIN_LOGIN_URL, {"username": username, "password": password})


def wait_until(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_burst_of_wrong_passwords_checks_at_most_five_and_refuses_the_rest(member):
    answers = at_once([lambda: token(member.username, "wrong")] * BURST)

    statuses = Counter(answer.status_code for answer in answers)
    assert set(statuses) == {400, 429}, statuses
    assert statuses[400] <= 5
    assert all(int(a["Retry-After"]) > 0 for a in answers if a.status_code == 429)
    assert token(member.username, PASSWORD).status_code == 429


def test_the_right_password_sent_while_a_burst_is_being_checked_is_refused(settings, member):
    settings.LOGIN_HASH_WAIT_SECONDS = 10  # the five wrong ones all get their turn
    SlowPasswordHasher.reset(seconds=0.5)

    def right_password_once_five_are_being_checked() -> Any:
        wait_until(lambda: SlowPasswordHasher.started >= 5)
        return token(member.username, PASSWORD)

    answers = at_once(
        [lambda: token(member.username, "wrong")] * BURST
        + [right_password_once_five_are_being_checked]
    )

    assert Counter(answer.status_code for answer in answers[:-1])[400] <= 5
    assert answers[-1].status_code == 429
    assert "token" not in answers[-1].json()


def test_a_burst_on_the_admin_login_checks_at_most_five_and_logs_no_one_in():
    staff = factories.UserFactory(is_staff=True)

    answers = at_once([lambda: admin_login(staff.username, "wrong")] * BURST)
    after = admin_login(staff.username, PASSWORD)

    statuses = Counter(answer.status_code for answer in answers)
    assert set(statuses) == {200, 429}, statuses  # 200: the form again, with its error
    assert statuses[200] <= 5
    assert after.status_code == 429


def test_the_per_ip_limit_holds_under_a_burst_of_distinct_usernames(settings):
    settings.LOGIN_MAX_CONCURRENT_HASHES = BURST  # here only the counters refuse

    answers = at_once([lambda n=n: token(f"guess{n}", "wrong") for n in range(BURST)])

    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {400: 20, 429: BURST - 20}


def test_logins_beyond_the_hashing_bound_get_429_instead_of_piling_up(settings):
    settings.LOGIN_MAX_CONCURRENT_HASHES = 2
    settings.LOGIN_HASH_WAIT_SECONDS = 0.2
    users = [factories.UserFactory() for _ in range(8)]
    SlowPasswordHasher.reset(seconds=0.5)

    answers = at_once(
        [
            lambda user=user, n=n: token(user.username, PASSWORD, ip=f"198.51.100.{n}")
            for n, user in enumerate(users)
        ]
    )

    statuses = Counter(answer.status_code for answer in answers)
    busy = [answer for answer in answers if answer.status_code == 429]
    assert set(statuses) == {200, 429}, statuses
    assert 2 <= statuses[200] < len(users)
    assert SlowPasswordHasher.most_at_once <= 2
    assert all(answer["Retry-After"] == "1" for answer in busy)
    assert all("being checked at this moment" in answer.json()["detail"] for answer in busy)


def test_a_login_refused_for_want_of_a_hashing_turn_does_not_count_against_the_username(
    settings, member
):
    settings.LOGIN_MAX_CONCURRENT_HASHES = 1
    settings.LOGIN_HASH_WAIT_SECONDS = 0.05
    SlowPasswordHasher.reset(seconds=1)

    answers = at_once([lambda: token(member.username, "wrong")] * 8)
    SlowPasswordHasher.reset(seconds=0)
    below_limit = [token(member.username, "wrong").status_code for _ in range(4)]

    assert sorted(answer.status_code for answer in answers) == [400] + [429] * 7
    assert below_limit == [400] * 4
