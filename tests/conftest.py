from __future__ import annotations

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests import factories


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres` need PostgreSQL's locks or triggers: run them only there."""
    if connection.vendor == "postgresql":
        return
    selected, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker("postgres") else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def organization():
    return factories.OrganizationFactory()


@pytest.fixture
def org_admin(organization):
    return factories.OrgAdminFactory(organization=organization)


@pytest.fixture
def member(organization):
    return factories.UserFactory(organization=organization)


@pytest.fixture
def super_admin():
    return factories.SuperAdminFactory()


@pytest.fixture
def admin_client(org_admin) -> APIClient:
    client = APIClient()
    client.force_authenticate(org_admin)
    return client


@pytest.fixture
def member_client(member) -> APIClient:
    client = APIClient()
    client.force_authenticate(member)
    return client


@pytest.fixture
def super_admin_client(super_admin) -> APIClient:
    client = APIClient()
    client.force_authenticate(super_admin)
    return client


@pytest.fixture
def phone_number(organization):
    return factories.PhoneNumberFactory(business_account__organization=organization)


@pytest.fixture
def webhook_settings(settings):
    """The webhook's secrets, as Meta's app dashboard would hold them."""
    from tests.webhooks import TEST_APP_SECRET, TEST_VERIFY_TOKEN

    settings.WHATSAPP_WEBHOOK_APP_SECRET = TEST_APP_SECRET
    settings.WHATSAPP_WEBHOOK_VERIFY_TOKEN = TEST_VERIFY_TOKEN
    return settings


@pytest.fixture
def other_organization():
    return factories.OrganizationFactory()


@pytest.fixture
def other_org_admin(other_organization):
    return factories.OrgAdminFactory(organization=other_organization)


@pytest.fixture
def other_admin_client(other_org_admin) -> APIClient:
    client = APIClient()
    client.force_authenticate(other_org_admin)
    return client


@pytest.fixture
def other_phone_number(other_organization):
    return factories.PhoneNumberFactory(business_account__organization=other_organization)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Hashing with the production hasher costs ~0.3 s a user; tests need no such strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
