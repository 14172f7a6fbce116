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
        "recipients": "ops@example.com",
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
            "recipients": "",
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
            "recipients": "",
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
            "recipients": "",
            "url": "https://example.com/hook",
            "secret": "plainpassword",
            "min_severity": "WARNING",
        },
    )

    assert api.status_code == 400
    assert page.status_code == 200
    assert page.context["adminform"].form.errors["secret"] == api.json()["secret"]
    assert not NotificationChannel.objects.exists()


# --- a form per kind, in plain fields ---------------------------------------------------------


def test_recipients_are_typed_one_address_a_line(staff_browser):
    response = staff_browser.post(
        f"{CHANNELS}add/",
        email_channel(recipients="ops@example.com\r\n\r\n  oncall@example.com  \r\n"),
    )

    assert response.status_code == 302
    channel = NotificationChannel.objects.get(name="Ops")
    assert channel.recipients == ["ops@example.com", "oncall@example.com"]


def test_a_channels_recipients_read_one_a_line_on_its_page(staff_browser, organization):
    channel = factories.NotificationChannelFactory(
        organization=organization, recipients=["ops@example.com", "oncall@example.com"]
    )

    html = staff_browser.get(f"{CHANNELS}{channel.pk}/change/").content.decode()

    assert "ops@example.com\noncall@example.com</textarea>" in html
    assert "[&quot;" not in html


def test_a_recipient_that_is_not_an_address_is_named(staff_browser):
    response = staff_browser.post(
        f"{CHANNELS}add/", email_channel(recipients="ops@example.com\nops at example")
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["recipients"] == [
        "“ops at example” is not an email address: write one address a line."
    ]
    assert not NotificationChannel.objects.exists()


@pytest.mark.parametrize(
    ("kind", "given", "field", "error"),
    [
        ("email", {}, "recipients", "Name at least one address."),
        ("slack", {}, "url", "This channel needs a URL."),
        (
            "webhook",
            {"url": "https://example.com/hook"},
            "secret",
            "A webhook channel needs its signing secret.",
        ),
        (
            "slack",
            {"url": "https://hooks.slack.com/services/T/B/X", "recipients": "ops@example.com"},
            "recipients",
            "Only email channels take these.",
        ),
    ],
)
def test_each_kind_asks_for_its_own_fields(staff_browser, kind, given, field, error):
    data = {"name": "Ops", "kind": kind, "min_severity": "WARNING", "recipients": "", **given}

    response = staff_browser.post(f"{CHANNELS}add/", data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == [error]
    assert not NotificationChannel.objects.exists()


def test_the_kind_comes_first_and_stays_once_chosen(staff_browser, organization):
    add = staff_browser.get(f"{CHANNELS}add/")
    channel = factories.NotificationChannelFactory(organization=organization)
    change = staff_browser.get(f"{CHANNELS}{channel.pk}/change/")

    assert next(iter(add.context["adminform"].form.fields)) == "kind"
    assert "kind" not in change.context["adminform"].form.fields
    assert "field-organization" not in add.content.decode()  # one organization: theirs
    assert (
        '<script src="/static/alerts/channel-form.js" data-kind="email"' in change.content.decode()
    )


def test_secrets_stay_write_only(staff_browser, organization):
    channel = factories.NotificationChannelFactory(organization=organization, webhook=True)

    html = staff_browser.get(f"{CHANNELS}{channel.pk}/change/").content.decode()

    assert factories.WEBHOOK_SECRET not in html
    assert channel.url not in html


# --- Send test ------------------------------------------------------------------------------


def send_test(client: Client, channel: NotificationChannel):
    return client.post(f"{CHANNELS}{channel.pk}/send-test/", follow=True)


def page_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.mark.django_db(transaction=True)
def test_send_test_posts_to_the_webhook_and_says_it_arrived(organization, httpserver):
    httpserver.expect_oneshot_request("/hooks", method="POST").respond_with_data("", status=204)
    channel = factories.NotificationChannelFactory(
        organization=organization, webhook=True, url=httpserver.url_for("/hooks"), name="Ours"
    )
    user = factories.OrgAdminFactory(organization=organization, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="alerts"))
    client = Client()
    client.force_login(User.objects.get(pk=user.pk))

    response = send_test(client, channel)

    httpserver.check_assertions()
    (request, _) = httpserver.log[0]
    assert request.headers["webhook-signature"].startswith("v1,")
    assert page_messages(response) == ["The test message reached Ours."]


@pytest.mark.django_db(transaction=True)
def test_send_test_says_why_a_slack_message_did_not_arrive(organization, httpserver):
    httpserver.expect_oneshot_request("/slack", method="POST").respond_with_data(
        "invalid_token", status=403
    )
    channel = factories.NotificationChannelFactory(
        organization=organization, slack=True, url=httpserver.url_for("/slack"), name="Slack"
    )
    user = factories.OrgAdminFactory(organization=organization, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="alerts"))
    client = Client()
    client.force_login(User.objects.get(pk=user.pk))

    response = send_test(client, channel)

    (message,) = page_messages(response)
    assert message.startswith("The test message did not reach Slack: ")
    assert "403" in message


@pytest.mark.django_db(transaction=True)
def test_send_test_emails_the_recipients(organization, mailoutbox):
    channel = factories.NotificationChannelFactory(
        organization=organization, recipients=["ops@example.com"], name="Ops mail"
    )
    user = factories.OrgAdminFactory(organization=organization, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="alerts"))
    client = Client()
    client.force_login(User.objects.get(pk=user.pk))

    response = send_test(client, channel)

    (email,) = mailoutbox
    assert email.to == ["ops@example.com"]
    assert page_messages(response) == ["The test message reached Ops mail."]


def test_a_member_sees_send_test_disabled_and_cannot_send(organization, mailoutbox):
    channel = factories.NotificationChannelFactory(organization=organization)
    member = factories.UserFactory(organization=organization, is_staff=True)
    member.user_permissions.set(Permission.objects.filter(content_type__app_label="alerts"))
    client = Client()
    client.force_login(User.objects.get(pk=member.pk))

    page = client.get(f"{CHANNELS}{channel.pk}/change/").content.decode()
    response = send_test(client, channel)

    assert 'disabled aria-describedby="send-test-refusal">Send test</button>' in page
    assert "Only an organization admin may send a test message." in page
    assert page_messages(response) == ["Only an organization admin may send a test message."]
    assert mailoutbox == []
