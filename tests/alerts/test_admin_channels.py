"""The notification channel admin: scoped staff save their organization's channels, and every
channel passes the same rules as in the API (the alerts service's)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from alerts.models import NotificationChannel
from organizations.models import User
from tests import factories

pytestmark = pytest.mark.django_db

CHANNELS = "/admin/alerts/notificationchannel/"
CHANNELS_API = "/api/v1/notifications/channels/"


@pytest.fixture
def staff_browser(organization) -> Client:
    user = factories.OrgAdminFactory(organization=organization, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="alerts"))
    client = Client()
    client.force_login(User.objects.get(pk=user.pk))
    return client


@pytest.fixture
def root_browser(super_admin) -> Client:
    client = Client()
    client.force_login(super_admin)
    return client


def email_channel(**extra) -> dict:
    return {
        "name": "Ops",
        "kind": "email",
        "recipients": '["ops@example.com"]',
        "min_severity": "WARNING",
        "enabled": "on",
        **extra,
    }


def test_scoped_staff_add_a_channel_to_their_organization(staff_browser, organization):
    response = staff_browser.post(f"{CHANNELS}add/", email_channel())

    assert response.status_code == 302
    channel = NotificationChannel.objects.get(name="Ops")
    assert (channel.organization, channel.recipients) == (organization, ["ops@example.com"])


def test_scoped_staff_change_their_organizations_channel(staff_browser, organization):
    channel = factories.NotificationChannelFactory(organization=organization, webhook=True)

    response = staff_browser.post(
        f"{CHANNELS}{channel.pk}/change/",
        {
            "name": "Renamed",
            "kind": "webhook",
            "recipients": "[]",
            "url": channel.url,
            "secret": "",
            "min_severity": "CRITICAL",
        },
    )

    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.min_severity, channel.enabled) == ("Renamed", "CRITICAL", False)
    assert channel.secret == factories.WEBHOOK_SECRET  # an empty box keeps it
    assert channel.organization == organization


def test_root_cannot_give_an_email_channel_a_url(root_browser, organization):
    response = root_browser.post(
        f"{CHANNELS}add/",
        email_channel(organization=str(organization.pk), url="https://example.com/hook"),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "An email channel takes recipients, not a URL or a secret."
    ]
    assert not NotificationChannel.objects.exists()


def test_root_cannot_give_a_webhook_channel_a_weak_secret(root_browser, organization):
    channel = factories.NotificationChannelFactory(organization=organization, webhook=True)

    response = root_browser.post(
        f"{CHANNELS}{channel.pk}/change/",
        {
            "organization": str(organization.pk),
            "name": channel.name,
            "kind": "webhook",
            "recipients": "[]",
            "url": channel.url,
            "secret": "plainpassword",
            "min_severity": "WARNING",
            "enabled": "on",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["secret"] == [
        "Use a Standard Webhooks secret: whsec_ and 24 to 64 bytes in base64."
    ]
    channel.refresh_from_db()
    assert channel.secret == factories.WEBHOOK_SECRET


def test_the_admin_and_the_api_refuse_a_weak_secret_in_the_same_words(
    root_browser, admin_client, organization
):
    api = admin_client.post(
        CHANNELS_API,
        {
            "name": "Hooks",
            "kind": "webhook",
            "url": "https://example.com/hook",
            "secret": "plainpassword",
        },
        format="json",
    )
    page = root_browser.post(
        f"{CHANNELS}add/",
        {
            "organization": str(organization.pk),
            "name": "Hooks",
            "kind": "webhook",
            "recipients": "[]",
            "url": "https://example.com/hook",
            "secret": "plainpassword",
            "min_severity": "WARNING",
        },
    )

    assert api.status_code == 400
    assert page.status_code == 200
    assert page.context["adminform"].form.errors["secret"] == api.json()["secret"]
    assert not NotificationChannel.objects.exists()
