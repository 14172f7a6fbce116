"""A Slack incoming-webhook URL is a credential: encrypted in its row, never shown again.

Whoever holds the URL can post in the customer's channel, so it is kept like the signing secret:
the API says only that one is set, the admin form shows a masked hint and keeps the stored URL
when its box is left empty, rotation re-encrypts it, and rows written before were encrypted.
"""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from alerts.models import NotificationChannel
from pytake.crypto import decrypt_secret
from tests import factories

pytestmark = pytest.mark.django_db

CHANNELS_URL = "/api/v1/notifications/channels/"
SLACK_URL = "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX"
ADMIN_CHANNELS = "/admin/alerts/notificationchannel/"


def stored_url(channel: NotificationChannel) -> str:
    """The url column as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT url FROM alerts_notificationchannel WHERE id = %s",
            [channel.pk.hex] if connection.vendor == "sqlite" else [channel.pk],
        )
        (stored,) = cursor.fetchone()
    return stored


@pytest.fixture
def admin_site_client(organization) -> Client:
    staff = factories.OrgAdminFactory(organization=organization, is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    return client


def test_a_slack_url_is_encrypted_in_its_row_and_never_shown_by_the_api(admin_client, organization):
    response = admin_client.post(
        CHANNELS_URL, {"name": "Ops Slack", "kind": "slack", "url": SLACK_URL}, format="json"
    )

    assert response.status_code == 201, response.content
    channel = NotificationChannel.objects.get()
    stored = stored_url(channel)
    assert "hooks.slack.com" not in stored
    assert decrypt_secret(stored) == SLACK_URL
    assert channel.url == SLACK_URL
    listed = admin_client.get(CHANNELS_URL).json()["results"]
    detail = admin_client.get(f"{CHANNELS_URL}{channel.pk}/").json()
    for shown in (response.json(), listed[0], detail):
        assert "XXXXSECRETXXXX" not in str(shown)
        assert shown["has_url"] is True


def test_the_admin_form_shows_a_masked_hint_and_keeps_the_url_left_empty(
    admin_site_client, organization
):
    channel = factories.NotificationChannelFactory(
        organization=organization, slack=True, url=SLACK_URL, name="Ops Slack"
    )

    page = admin_site_client.get(f"{ADMIN_CHANNELS}{channel.pk}/change/").content.decode()

    assert "XXXXSECRETXXXX" not in page
    assert "…/T000/B000/****" in page
    saved = admin_site_client.post(
        f"{ADMIN_CHANNELS}{channel.pk}/change/",
        {
            "organization": organization.pk,
            "name": "Renamed",
            "kind": "slack",
            "recipients": "",
            "url": "",
            "secret": "",
            "min_severity": "WARNING",
            "enabled": "on",
        },
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    channel.refresh_from_db()
    assert (channel.name, channel.url) == ("Renamed", SLACK_URL)


def test_rotation_re_encrypts_channel_urls_and_secrets_with_the_first_key(settings, organization):
    slack = factories.NotificationChannelFactory(organization=organization, slack=True)
    hooks = factories.NotificationChannelFactory(organization=organization, webhook=True)
    old_key = settings.FIELD_ENCRYPTION_KEY[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = [new_key, old_key]

    output = io.StringIO()
    call_command("reencrypt_secrets", stdout=output)

    assert "the URLs and secrets of 2 notification channels." in output.getvalue()
    settings.FIELD_ENCRYPTION_KEY = [new_key]
    assert decrypt_secret(stored_url(slack)) == slack.url
    assert decrypt_secret(stored_url(hooks)) == hooks.url
    hooks.refresh_from_db()
    assert hooks.secret == factories.WEBHOOK_SECRET


@pytest.mark.django_db(transaction=True)
def test_urls_stored_in_clear_before_are_encrypted_by_the_migration(organization):
    before = [("alerts", "0003_account_alerts")]
    after = [("alerts", "0004_notification_channel_url_encrypted")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_channel = executor.loader.project_state(before).apps.get_model(
        "alerts", "NotificationChannel"
    )
    channel = old_channel.objects.create(
        organization_id=organization.pk, name="Ops Slack", kind="slack", url=SLACK_URL
    )
    assert stored_url(channel) == SLACK_URL

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    executor.loader.build_graph()
    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())

    assert decrypt_secret(stored_url(channel)) == SLACK_URL
    assert NotificationChannel.objects.get().url == SLACK_URL
