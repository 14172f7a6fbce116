from __future__ import annotations

from pathlib import Path

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


BROWSER_TESTS = Path(__file__).resolve().parent / "browser"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    request: pytest.FixtureRequest, django_db_modify_db_settings_parallel_suffix, tmp_path_factory
) -> None:
    """The browser tests' server process opens the test database too: on SQLite, make it a file.

    Only then: the rest of the suite keeps the faster in-memory database.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    runs_browser_tests = any(
        item.path.is_relative_to(BROWSER_TESTS) for item in request.session.items
    )
    if database["ENGINE"].endswith("sqlite3") and runs_browser_tests:
        test_name = tmp_path_factory.mktemp("database") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(test_name)


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
def empty_cache():
    """Login failure counters live in the cache (Redis on CI): each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Hashing with the production hasher costs ~0.3 s a user; tests need no such strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- Meta webhook pipeline ------------------------------------------------------------------------

# The WABA and template that the bodies in tests/payloads/ name.
PAYLOADS_WABA_ID = "102290129340398"
PAYLOADS_TEMPLATE_ID = "1234567890123456"


@pytest.fixture
def meta_waba(organization):
    """The business account the payload files are addressed to."""
    return factories.BusinessAccountFactory(organization=organization, waba_id=PAYLOADS_WABA_ID)


@pytest.fixture
def meta_number(meta_waba):
    return factories.PhoneNumberFactory(business_account=meta_waba)


@pytest.fixture
def order_update(meta_number):
    """`order_update` (en_US), APPROVED and GREEN, as most payload files expect to find it."""
    return factories.WhatsAppTemplateFactory(
        phone_number=meta_number,
        meta_template_id=PAYLOADS_TEMPLATE_ID,
        name="order_update",
        language="en_US",
        category="UTILITY",
    )


@pytest.fixture
def plug_reaction(settings):
    """Plug a reaction in at the end of the reaction list: `plug_reaction(func)`."""
    from tests import reactions

    settings.TEMPLATE_REACTIONS = [*settings.TEMPLATE_REACTIONS, "tests.reactions.react"]
    yield reactions.plugged.append
    reactions.plugged.clear()


class ChangeLog:
    """Every template change the reaction list was given, by kind."""

    def __init__(self) -> None:
        self.status: list = []
        self.quality: list = []

    def __call__(self, changes, context) -> None:
        from templates_app.changes import ChangeKind

        for change in changes:
            if change.kind == ChangeKind.STATUS:
                self.status.append(change)
            elif change.kind == ChangeKind.QUALITY:
                self.quality.append(change)


@pytest.fixture
def change_log(plug_reaction):
    log = ChangeLog()
    plug_reaction(log)
    return log


class FailingReaction:
    """A reaction that raises on a status change while `armed`, as a broken one would."""

    message = "status reaction exploded"

    def __init__(self) -> None:
        self.armed = True
        self.calls = 0

    def __call__(self, changes, context) -> None:
        from templates_app.changes import ChangeKind

        if not any(change.kind == ChangeKind.STATUS for change in changes):
            return
        self.calls += 1
        if self.armed:
            raise RuntimeError(self.message)


@pytest.fixture
def failing_status_reaction(plug_reaction):
    reaction = FailingReaction()
    plug_reaction(reaction)
    return reaction


# A fixed key for secrets at rest: pytest-django runs with DEBUG off, where none is derived.
TEST_FIELD_ENCRYPTION_KEY = "dGVzdC1maWVsZC1lbmNyeXB0aW9uLWtleS0zMmJ5dGU="


@pytest.fixture(autouse=True)
def field_encryption_key(settings):
    settings.FIELD_ENCRYPTION_KEY = [TEST_FIELD_ENCRYPTION_KEY]
