"""Notification channels over the API: org admins only, URLs and secrets write-only, checked."""

from __future__ import annotations

import pytest
from django.db import connection

from alerts.models import NotificationChannel
from pytake.crypto import decrypt_secret
from tests import factories

pytestmark = pytest.mark.django_db

CHANNELS_URL = "/api/v1/notifications/channels/"


def webhook_payload(url: str, **extra) -> dict:
    return {
        "name": "Our incident system",
        "kind": "webhook",
        "url": url,
        "secret": factories.WEBHOOK_SECRET,
        "min_severity": "CRITICAL",
        **extra,
    }


def test_org_admin_adds_a_webhook_channel_and_never_sees_its_url_or_secret(
    admin_client, organization
):
    response = admin_client.post(
        CHANNELS_URL, webhook_payload("https://example.com/hooks"), format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert "url" not in body and "secret" not in body
    assert (body["has_url"], body["has_secret"], body["kind"]) == (True, True, "webhook")
    channel = NotificationChannel.objects.get()
    assert channel.organization == organization
    assert channel.secret == factories.WEBHOOK_SECRET
    listed = admin_client.get(CHANNELS_URL).json()["results"]
    detail = admin_client.get(f"{CHANNELS_URL}{channel.pk}/").json()
    for shown in (listed[0], detail):
        assert factories.WEBHOOK_SECRET not in str(shown)
        assert "example.com" not in str(shown)


def test_the_signing_secret_is_stored_encrypted(organization):
    channel = factories.NotificationChannelFactory(organization=organization, webhook=True)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT secret FROM alerts_notificationchannel WHERE id = %s",
            [channel.pk.hex] if connection.vendor == "sqlite" else [channel.pk],
        )
        (stored,) = cursor.fetchone()

    assert factories.WEBHOOK_SECRET not in stored
    assert decrypt_secret(stored) == factories.WEBHOOK_SECRET


def test_patch_keeps_the_secret_it_was_not_given(admin_client, organization):
    channel = factories.NotificationChannelFactory(organization=organization, webhook=True)

    response = admin_client.patch(
        f"{CHANNELS_URL}{channel.pk}/", {"name": "Renamed", "enabled": False}, format="json"
    )

    assert response.status_code == 200, response.content
    channel.refresh_from_db()
    assert (channel.name, channel.enabled) == ("Renamed", False)
    assert channel.secret == factories.WEBHOOK_SECRET


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "Ops", "kind": "email", "recipients": []}, "recipients"),
        ({"name": "Ops", "kind": "email", "recipients": ["not-an-address"]}, "recipients"),
        ({"name": "Slack", "kind": "slack"}, "url"),
        (webhook_payload("https://example.com/hooks", secret=""), "secret"),
        (webhook_payload("https://example.com/hooks", secret="hunter2"), "secret"),
        ({"name": "Slack", "kind": "slack", "url": "ftp://example.com/x"}, "url"),
    ],
    ids=["no-recipients", "bad-address", "no-url", "no-secret", "not-whsec", "not-https"],
)
def test_bad_channels_are_refused_with_field_errors(admin_client, payload, field):
    response = admin_client.post(CHANNELS_URL, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not NotificationChannel.objects.exists()


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://example.com/hook", "The URL must start with https://."),
        (
            "https://127.0.0.1/hook",
            "The host 127.0.0.1 resolves to a private address (127.0.0.1): notifications only "
            "go to public addresses.",
        ),
        (
            "https://10.1.2.3:8443/hook",
            "The host 10.1.2.3 resolves to a private address (10.1.2.3): notifications only go "
            "to public addresses.",
        ),
        (
            "https://[::1]/hook",
            "The host ::1 resolves to a private address (::1): notifications only go to public "
            "addresses.",
        ),
    ],
)
def test_private_or_plain_http_urls_are_refused_in_production(settings, admin_client, url, error):
    settings.NOTIFY_ALLOW_PRIVATE_URLS = False

    response = admin_client.post(CHANNELS_URL, webhook_payload(url), format="json")

    assert response.status_code == 400
    assert response.json() == {"url": [error]}


def test_plain_http_is_only_for_private_addresses_even_in_development(settings, admin_client):
    settings.NOTIFY_ALLOW_PRIVATE_URLS = True

    public = admin_client.post(CHANNELS_URL, webhook_payload("http://8.8.8.8/hook"), format="json")
    loopback = admin_client.post(
        CHANNELS_URL, webhook_payload("http://127.0.0.1:9000/hook"), format="json"
    )

    assert public.status_code == 400
    assert public.json() == {
        "url": ["The URL must start with https:// unless it is a private address."]
    }
    assert loopback.status_code == 201


def test_a_url_that_became_private_is_not_called(settings, organization, template, httpserver):
    from alerts import tasks

    channel = factories.NotificationChannelFactory(
        organization=organization, slack=True, url=httpserver.url_for("/slack")
    )
    delivery = factories.NotificationDeliveryFactory(
        channel=channel, alert=factories.AlertFactory(template=template)
    )
    settings.NOTIFY_ALLOW_PRIVATE_URLS = False

    tasks.attempt_delivery(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == "retrying"
    assert delivery.last_error == "The URL must start with https://."
    assert httpserver.log == []


def test_members_may_not_see_or_change_channels(member_client, organization):
    channel = factories.NotificationChannelFactory(organization=organization)

    assert member_client.get(CHANNELS_URL).status_code == 403
    assert member_client.delete(f"{CHANNELS_URL}{channel.pk}/").status_code == 403
    assert member_client.post(f"{CHANNELS_URL}{channel.pk}/test").status_code == 403


def test_another_organizations_channel_is_404(other_admin_client, organization):
    channel = factories.NotificationChannelFactory(organization=organization)

    assert other_admin_client.get(f"{CHANNELS_URL}{channel.pk}/").status_code == 404
    assert other_admin_client.post(f"{CHANNELS_URL}{channel.pk}/test").status_code == 404
    assert other_admin_client.get(CHANNELS_URL).json()["count"] == 0


def test_delete_removes_the_channel(admin_client, organization):
    channel = factories.NotificationChannelFactory(organization=organization)

    assert admin_client.delete(f"{CHANNELS_URL}{channel.pk}/").status_code == 204
    assert not NotificationChannel.objects.exists()


# Outside a test transaction, as a request runs: the send follows the commit at once.
@pytest.mark.django_db(transaction=True)
def test_test_endpoint_sends_and_reports_success(admin_client, organization, httpserver):
    httpserver.expect_oneshot_request("/slack", method="POST").respond_with_data("ok")
    channel = factories.NotificationChannelFactory(
        organization=organization, slack=True, url=httpserver.url_for("/slack"), name="Ops Slack"
    )

    response = admin_client.post(f"{CHANNELS_URL}{channel.pk}/test")

    assert response.status_code == 200
    body = response.json()
    assert body["detail"] == "The test message reached Ops Slack."
    assert (body["delivery"]["status"], body["delivery"]["kind"]) == ("sent", "test")
    (request, _) = httpserver.log[0]
    assert request.get_json()["text"] == (
        "This is a test of the channel Ops Slack: alerts will arrive like this."
    )


# Outside a test transaction, as a request runs: the send follows the commit at once.
@pytest.mark.django_db(transaction=True)
def test_test_endpoint_reports_a_failure_once_without_retrying(
    admin_client, organization, httpserver
):
    httpserver.expect_request("/hooks").respond_with_data("bad secret", status=401)
    channel = factories.NotificationChannelFactory(
        organization=organization, webhook=True, url=httpserver.url_for("/hooks"), name="Hooks"
    )

    response = admin_client.post(f"{CHANNELS_URL}{channel.pk}/test")

    assert response.status_code == 200
    body = response.json()
    assert body["detail"] == "The test message did not reach Hooks: The endpoint answered 401."
    assert (body["delivery"]["status"], body["delivery"]["attempts"]) == ("failed", 1)


# Outside a test transaction, as a request runs: the send follows the commit at once.
@pytest.mark.django_db(transaction=True)
def test_test_endpoint_emails_the_recipients(admin_client, organization, mailoutbox):
    channel = factories.NotificationChannelFactory(organization=organization, name="Ops")

    response = admin_client.post(f"{CHANNELS_URL}{channel.pk}/test")

    assert response.json()["delivery"]["status"] == "sent"
    assert mailoutbox[0].subject == f"Test notification from PyTake for {organization.name}"
