from __future__ import annotations

import uuid

import pytest
from django.utils.dateparse import parse_datetime
from knox.models import AuthToken
from rest_framework.test import APIClient

from organizations.models import Organization, User
from tests import factories

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"
ORGANIZATIONS_URL = "/api/v1/organizations/"
PASSWORD = "correct-horse-battery"  # the factories' password


def users_url(organization_id) -> str:
    return f"{ORGANIZATIONS_URL}{organization_id}/users/"


def new_user(**overrides) -> dict:
    return {
        "username": "carol",
        "password": "a-long-unusual-passphrase",
        "email": "carol@example.com",
        "role": "member",
        **overrides,
    }


# --- token and session authentication -------------------------------------------------------


def test_token_endpoint_returns_a_token_and_its_expiry(api_client, member):
    response = api_client.post(
        TOKEN_URL, {"username": member.username, "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expiry"}
    stored = AuthToken.objects.get(user=member)
    assert parse_datetime(body["expiry"]) == stored.expiry
    # Only a hash is stored: the key itself is nowhere in the row.
    assert body["token"] not in (stored.digest, stored.token_key)


def test_token_endpoint_issues_a_new_token_each_time(api_client, member):
    credentials = {"username": member.username, "password": PASSWORD}

    first = api_client.post(TOKEN_URL, credentials, format="json").json()["token"]
    second = api_client.post(TOKEN_URL, credentials, format="json").json()["token"]

    assert first != second
    assert AuthToken.objects.filter(user=member).count() == 2


def test_token_endpoint_refuses_a_wrong_password(api_client, member):
    response = api_client.post(
        TOKEN_URL, {"username": member.username, "password": "wrong"}, format="json"
    )

    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert not AuthToken.objects.filter(user=member).exists()


def test_token_endpoint_refuses_an_unknown_user(api_client):
    response = api_client.post(
        TOKEN_URL, {"username": "nobody", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_token_endpoint_requires_both_fields(api_client):
    response = api_client.post(TOKEN_URL, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_token_endpoint_refuses_an_inactive_user(api_client):
    user = factories.UserFactory(is_active=False)

    response = api_client.post(
        TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json"
    )

    assert response.status_code == 400


def test_token_authenticates_api_requests(api_client, member):
    token = api_client.post(
        TOKEN_URL, {"username": member.username, "password": PASSWORD}, format="json"
    ).json()["token"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api_client.get(ORGANIZATIONS_URL)

    assert response.status_code == 200
    assert [o["id"] for o in response.json()["results"]] == [str(member.organization_id)]


def test_invalid_token_is_refused_with_401(api_client, member):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api_client.get(ORGANIZATIONS_URL)

    assert response.status_code == 401
    assert "detail" in response.json()


def test_session_login_authenticates_api_requests(member):
    client = APIClient()
    assert client.login(username=member.username, password=PASSWORD)

    response = client.get(ORGANIZATIONS_URL)

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_unauthenticated_request_gets_401_json(api_client, organization):
    response = api_client.get(ORGANIZATIONS_URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "detail" in response.json()


def test_unauthenticated_user_creation_gets_401(api_client, organization):
    response = api_client.post(users_url(organization.pk), new_user(), format="json")

    assert response.status_code == 401
    assert not User.objects.filter(username="carol").exists()


# --- organizations ----------------------------------------------------------------------------


def test_member_lists_only_their_own_organization(member_client, member, other_organization):
    response = member_client.get(ORGANIZATIONS_URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    assert body["results"] == [
        {
            "id": str(member.organization.pk),
            "name": member.organization.name,
            "slug": member.organization.slug,
        }
    ]


def test_super_admin_lists_every_organization(super_admin_client, organization, other_organization):
    response = super_admin_client.get(ORGANIZATIONS_URL)

    assert response.status_code == 200
    assert {o["id"] for o in response.json()["results"]} == {
        str(organization.pk),
        str(other_organization.pk),
    }


def test_organization_list_is_paginated(super_admin_client):
    factories.OrganizationFactory.create_batch(3)

    response = super_admin_client.get(ORGANIZATIONS_URL, {"page_size": 2})

    body = response.json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["previous"] is None
    assert "page=2" in body["next"]


def test_super_admin_creates_an_organization(super_admin_client):
    response = super_admin_client.post(
        ORGANIZATIONS_URL, {"name": "Globex", "slug": "globex"}, format="json"
    )

    assert response.status_code == 201
    organization = Organization.objects.get(slug="globex")
    assert response.json() == {"id": str(organization.pk), "name": "Globex", "slug": "globex"}
    uuid.UUID(response.json()["id"])


def test_org_admin_cannot_create_an_organization(admin_client):
    response = admin_client.post(
        ORGANIZATIONS_URL, {"name": "Globex", "slug": "globex"}, format="json"
    )

    assert response.status_code == 403
    assert "detail" in response.json()
    assert not Organization.objects.filter(slug="globex").exists()


def test_member_cannot_create_an_organization(member_client):
    response = member_client.post(
        ORGANIZATIONS_URL, {"name": "Globex", "slug": "globex"}, format="json"
    )

    assert response.status_code == 403
    assert not Organization.objects.filter(slug="globex").exists()


def test_unauthenticated_organization_creation_gets_401(api_client):
    response = api_client.post(
        ORGANIZATIONS_URL, {"name": "Globex", "slug": "globex"}, format="json"
    )

    assert response.status_code == 401
    assert not Organization.objects.filter(slug="globex").exists()


def test_duplicate_organization_slug_is_a_400(super_admin_client, organization):
    response = super_admin_client.post(
        ORGANIZATIONS_URL, {"name": "Copy", "slug": organization.slug}, format="json"
    )

    assert response.status_code == 400
    assert "slug" in response.json()
    assert Organization.objects.filter(slug=organization.slug).count() == 1


def test_organization_without_name_is_a_400(super_admin_client):
    response = super_admin_client.post(ORGANIZATIONS_URL, {"slug": "nameless"}, format="json")

    assert response.status_code == 400
    assert "name" in response.json()
    assert not Organization.objects.filter(slug="nameless").exists()


# --- users of an organization -----------------------------------------------------------------


def test_org_admin_creates_a_user_in_their_organization(admin_client, organization):
    response = admin_client.post(users_url(organization.pk), new_user(), format="json")

    assert response.status_code == 201
    user = User.objects.get(username="carol")
    assert response.json() == {
        "id": str(user.pk),
        "username": "carol",
        "email": "carol@example.com",
        "role": "member",
        "organization": str(organization.pk),
    }
    assert user.organization == organization
    assert user.check_password("a-long-unusual-passphrase")
    assert user.is_superuser is False


def test_org_admin_creates_another_org_admin(admin_client, organization):
    response = admin_client.post(
        users_url(organization.pk), new_user(role="org_admin"), format="json"
    )

    assert response.status_code == 201
    assert response.json()["role"] == "org_admin"
    assert User.objects.get(username="carol").is_org_admin is True


def test_created_user_can_get_a_token(admin_client, api_client, organization):
    admin_client.post(users_url(organization.pk), new_user(), format="json")

    response = api_client.post(
        TOKEN_URL, {"username": "carol", "password": "a-long-unusual-passphrase"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["token"]


def test_super_admin_creates_a_user_in_any_organization(super_admin_client, other_organization):
    response = super_admin_client.post(
        users_url(other_organization.pk), new_user(role="org_admin"), format="json"
    )

    assert response.status_code == 201
    user = User.objects.get(username="carol")
    assert user.organization == other_organization
    assert user.role == User.Role.ORG_ADMIN


def test_member_cannot_create_a_user(member_client, organization):
    response = member_client.post(users_url(organization.pk), new_user(), format="json")

    assert response.status_code == 403
    assert "detail" in response.json()
    assert not User.objects.filter(username="carol").exists()


def test_admin_of_another_organization_gets_404_creating_a_user(other_admin_client, organization):
    response = other_admin_client.post(users_url(organization.pk), new_user(), format="json")

    assert response.status_code == 404
    assert "detail" in response.json()
    assert not User.objects.filter(username="carol").exists()


def test_creating_a_user_in_an_unknown_organization_is_a_404(super_admin_client):
    response = super_admin_client.post(users_url(uuid.uuid4()), new_user(), format="json")

    assert response.status_code == 404
    assert not User.objects.filter(username="carol").exists()


def test_weak_password_is_a_400_and_creates_nothing(admin_client, organization):
    response = admin_client.post(
        users_url(organization.pk), new_user(password="123"), format="json"
    )

    assert response.status_code == 400
    assert any("too short" in message for message in response.json()["password"])
    assert not User.objects.filter(username="carol").exists()


def test_password_like_the_username_is_a_400(admin_client, organization):
    response = admin_client.post(
        users_url(organization.pk),
        new_user(username="carolinewest", password="carolinewest"),
        format="json",
    )

    assert response.status_code == 400
    assert "password" in response.json()
    assert not User.objects.filter(username="carolinewest").exists()


def test_password_like_the_email_is_a_400(admin_client, organization):
    response = admin_client.post(
        users_url(organization.pk),
        new_user(email="maximilian.bergstrom@example.com", password="maximilian.bergstrom"),
        format="json",
    )

    assert response.status_code == 400
    assert "password" in response.json()
    assert not User.objects.filter(username="carol").exists()


def test_duplicate_username_is_a_400(admin_client, organization, member):
    response = admin_client.post(
        users_url(organization.pk), new_user(username=member.username), format="json"
    )

    assert response.status_code == 400
    assert "username" in response.json()
    assert User.objects.filter(username=member.username).count() == 1


def test_username_differing_only_in_case_is_a_duplicate(admin_client, organization, member):
    response = admin_client.post(
        users_url(organization.pk), new_user(username=member.username.upper()), format="json"
    )

    assert response.status_code == 400
    assert "username" in response.json()
    assert not User.objects.filter(username=member.username.upper()).exists()


def test_username_taken_in_another_organization_is_a_400(admin_client, organization):
    taken = factories.UserFactory()

    response = admin_client.post(
        users_url(organization.pk), new_user(username=taken.username), format="json"
    )

    assert response.status_code == 400
    assert "username" in response.json()


def test_invalid_username_characters_are_a_400(admin_client, organization):
    response = admin_client.post(
        users_url(organization.pk), new_user(username="carol west!"), format="json"
    )

    assert response.status_code == 400
    assert "username" in response.json()
    assert not User.objects.filter(username="carol west!").exists()


def test_unknown_role_is_a_400(admin_client, organization):
    response = admin_client.post(
        users_url(organization.pk), new_user(role="super_admin"), format="json"
    )

    assert response.status_code == 400
    assert "role" in response.json()
    assert not User.objects.filter(username="carol").exists()


def test_invalid_email_is_a_400(admin_client, organization):
    response = admin_client.post(
        users_url(organization.pk), new_user(email="not-an-email"), format="json"
    )

    assert response.status_code == 400
    assert "email" in response.json()
    assert not User.objects.filter(username="carol").exists()


def test_org_admin_lists_the_users_of_their_organization(admin_client, org_admin, member):
    factories.UserFactory()  # someone in another organization

    response = admin_client.get(users_url(org_admin.organization_id))

    assert response.status_code == 200
    assert {u["username"] for u in response.json()["results"]} == {
        org_admin.username,
        member.username,
    }


def test_super_admin_with_an_organization_lists_users_of_another_organization(
    api_client, organization, other_org_admin
):
    # The demo's admin is such a user: superuser and org_admin of its own organization.
    super_admin = factories.SuperAdminFactory(organization=organization, role=User.Role.ORG_ADMIN)
    api_client.force_authenticate(super_admin)

    response = api_client.get(users_url(other_org_admin.organization_id))

    assert response.status_code == 200
    assert [u["username"] for u in response.json()["results"]] == [other_org_admin.username]
