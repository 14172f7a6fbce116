"""Failed logins are limited per username and per client IP, on the API and in the admin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.test import Client

from organizations import login_throttle
from tests import factories

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"
ADMIN_LOGIN_URL = "/admin/login/"
PASSWORD = "correct-horse-battery"


def token(api_client, username, password, ip="203.0.113.7"):
    return api_client.post(
        TOKEN_URL, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip
    )


def test_sixth_wrong_password_for_a_username_is_a_429_with_retry_after(api_client, member):
    answers = [token(api_client, member.username, "wrong").status_code for _ in range(5)]

    locked = token(api_client, member.username, "wrong")

    assert answers == [400] * 5
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= 15 * 60
    assert "Too many failed logins" in locked.json()["detail"]


def test_a_locked_username_is_refused_even_with_the_right_password(api_client, member):
    for _ in range(5):
        token(api_client, member.username, "wrong")

    response = token(api_client, member.username, PASSWORD)

    assert response.status_code == 429
    assert "token" not in response.json()


def test_a_locked_username_does_not_lock_other_users(api_client, member):
    other = factories.UserFactory(organization=member.organization)
    for _ in range(6):
        token(api_client, member.username, "wrong")

    assert token(api_client, other.username, PASSWORD).status_code == 200


def test_twenty_failures_from_one_ip_lock_that_ip_for_every_username(api_client, member):
    answers = [token(api_client, f"guess{n}", "wrong").status_code for n in range(20)]

    from_same_ip = token(api_client, member.username, PASSWORD)
    from_other_ip = token(api_client, member.username, PASSWORD, ip="198.51.100.9")

    assert answers == [400] * 20
    assert from_same_ip.status_code == 429
    assert from_other_ip.status_code == 200


def test_the_lockout_ends_with_its_window(api_client, member):
    with time_machine.travel("2026-11-25 10:00:00Z", tick=False) as clock:
        for _ in range(5):
            token(api_client, member.username, "wrong")
        assert token(api_client, member.username, PASSWORD).status_code == 429

        clock.shift(15 * 60 + 1)

        assert token(api_client, member.username, PASSWORD).status_code == 200


def test_limits_come_from_settings(api_client, member, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_USERNAME = 2

    answers = [token(api_client, member.username, "wrong").status_code for _ in range(3)]

    assert answers == [400, 400, 429]


def test_a_successful_login_clears_the_usernames_failures(api_client, member):
    for _ in range(4):
        token(api_client, member.username, "wrong")
    assert token(api_client, member.username, PASSWORD).status_code == 200

    answers = [token(api_client, member.username, "wrong").status_code for _ in range(4)]

    assert answers == [400] * 4


def test_admin_login_is_locked_after_five_failures_and_shares_the_api_counter(api_client):
    staff = factories.UserFactory(is_staff=True)
    browser = Client()
    for _ in range(3):
        browser.post(ADMIN_LOGIN_URL, {"username": staff.username, "password": "wrong"})
    for _ in range(2):
        token(api_client, staff.username, "wrong", ip="127.0.0.1")

    response = browser.post(ADMIN_LOGIN_URL, {"username": staff.username, "password": PASSWORD})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in browser.session


def test_admin_login_still_logs_in_below_the_limit():
    staff = factories.UserFactory(is_staff=True)
    browser = Client()
    browser.post(ADMIN_LOGIN_URL, {"username": staff.username, "password": "wrong"})

    response = browser.post(ADMIN_LOGIN_URL, {"username": staff.username, "password": PASSWORD})

    assert response.status_code == 302
    assert browser.session["_auth_user_id"] == str(staff.pk)


CLAIM_ATTEMPTS = """
import django
django.setup()
from organizations import login_throttle
for _ in range(5):
    login_throttle.claim_attempt(username="shared-user", ip="192.0.2.1")
"""


@pytest.mark.postgres  # runs on the PostgreSQL + Redis run, where the cache is Redis
def test_server_processes_share_the_counters_through_redis(settings):
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    # Another process (as another server worker would) makes the attempts.
    result = subprocess.run(
        [sys.executable, "-c", CLAIM_ATTEMPTS],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "pytake.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    with pytest.raises(login_throttle.LoginRefused) as refused:
        login_throttle.claim_attempt(username="shared-user", ip="203.0.113.1")
    assert refused.value.wait > 0


PASSWORD_CHANGE_URL = "/admin/password_change/"
NEW_PASSWORD = "a-new-staple-for-the-horse"


def change_password(browser: Client, old_password: str):
    return browser.post(
        PASSWORD_CHANGE_URL,
        {
            "old_password": old_password,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        REMOTE_ADDR="203.0.113.7",
    )


def test_admin_password_change_is_refused_after_five_wrong_old_passwords():
    staff = factories.UserFactory(is_staff=True)
    browser = Client()
    browser.force_login(staff)

    answers = [change_password(browser, "wrong").status_code for _ in range(5)]
    refused = change_password(browser, PASSWORD)

    assert answers == [200] * 5  # the form again, with its error
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 15 * 60
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)


def test_wrong_old_passwords_count_as_failed_logins_of_that_user(api_client):
    staff = factories.UserFactory(is_staff=True)
    browser = Client()
    browser.force_login(staff)
    for _ in range(5):
        change_password(browser, "wrong")

    assert token(api_client, staff.username, PASSWORD, ip="198.51.100.9").status_code == 429


def test_admin_password_change_below_the_limit_changes_the_password():
    staff = factories.UserFactory(is_staff=True)
    browser = Client()
    browser.force_login(staff)
    change_password(browser, "wrong")

    response = change_password(browser, PASSWORD)

    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.check_password(NEW_PASSWORD)
