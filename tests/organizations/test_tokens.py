"""API tokens: hashed, expiring, revoked by logout, a new password or deactivation."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from knox.models import AuthToken
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"
LOGOUT_URL = "/api/v1/auth/logout"
ORGANIZATIONS_URL = "/api/v1/organizations/"
PASSWORD = "correct-horse-battery"


def new_token(user) -> str:
    response = APIClient().post(
        TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    return response.json()["token"]


def get_with(key: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get(ORGANIZATIONS_URL)


def test_token_expires_ten_hours_after_issue_by_default(member):
    before = timezone.now()
    response = APIClient().post(
        TOKEN_URL, {"username": member.username, "password": PASSWORD}, format="json"
    )

    expiry = parse_datetime(response.json()["expiry"])
    assert before + timedelta(hours=10) <= expiry <= timezone.now() + timedelta(hours=10)


def test_an_expired_token_is_refused(member):
    key = new_token(member)

    with time_machine.travel(timezone.now() + timedelta(hours=10, seconds=1)):
        response = get_with(key)

    assert response.status_code == 401
    assert get_with(key).status_code == 401  # and it is gone for good


def test_token_ttl_comes_from_settings(member, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(minutes=5)}
    before = timezone.now()

    key = new_token(member)

    assert AuthToken.objects.get(user=member).expiry <= before + timedelta(minutes=5, seconds=5)
    assert get_with(key).status_code == 200


def test_logout_revokes_only_the_current_token(member):
    first, second = new_token(member), new_token(member)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {first}")

    response = client.post(LOGOUT_URL)

    assert response.status_code == 204
    assert get_with(first).status_code == 401
    assert get_with(second).status_code == 200


def test_logout_all_revokes_every_token_of_the_user_only(member, org_admin):
    first, second = new_token(member), new_token(member)
    others = new_token(org_admin)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {first}")

    response = client.post("/api/v1/auth/logout-all")

    assert response.status_code == 204
    assert [get_with(first).status_code, get_with(second).status_code] == [401, 401]
    assert get_with(others).status_code == 200


def test_logout_without_a_token_is_a_401(api_client):
    response = api_client.post(LOGOUT_URL)

    assert response.status_code == 401
    assert "detail" in response.json()


def test_a_new_password_revokes_every_token_of_the_user(member, org_admin):
    keys = [new_token(member), new_token(member)]
    others = new_token(org_admin)

    member.set_password("another-long-passphrase")
    member.save()

    assert [get_with(key).status_code for key in keys] == [401, 401]
    assert get_with(others).status_code == 200


def test_deactivation_revokes_every_token_of_the_user(member):
    key = new_token(member)

    member.is_active = False
    member.save(update_fields=["is_active"])

    assert get_with(key).status_code == 401
    assert not AuthToken.objects.filter(user=member).exists()


def test_other_changes_to_the_user_keep_its_tokens(member):
    key = new_token(member)

    member.email = "new@example.com"
    member.save()
    member.save(update_fields=["last_login"])

    assert get_with(key).status_code == 200
