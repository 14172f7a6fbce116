"""What tenants name goes out as text: no Slack mention or link made of a name, no email header
broken by one.

Slack messages arrive at a real local server (pytest-httpserver); email goes to Django's locmem
outbox, which builds each message as SMTP would send it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from alerts.models import NotificationDelivery
from templates_app.changes import AccountEventKind, BusinessAccountEvent, react_to_account_events
from tests import factories
from tests.alerts.conftest import status_body
from tests.webhooks import signed_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_settings")]

CHANNELS_URL = "/api/v1/notifications/channels/"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_a_template_named_like_slack_markup_arrives_escaped(
    client, organization, phone_number, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_oneshot_request("/slack", method="POST").respond_with_data("ok")
    factories.NotificationChannelFactory(
        organization=organization, slack=True, url=httpserver.url_for("/slack")
    )
    template = factories.WhatsAppTemplateFactory(
        phone_number=phone_number, name="<!channel> <http://evil.example|click> & co"
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_post(client, status_body(template, "DISABLED"))
    assert response.status_code == 200

    (request, _) = httpserver.log[0]
    raw = request.get_data(as_text=True)
    assert "<!channel>" not in raw and "<http://evil" not in raw
    body = request.get_json()
    name = "&lt;!channel&gt; &lt;http://evil.example|click&gt; &amp; co"
    assert body["text"] == f"Template {name} (en_US) was disabled by Meta."
    header, section, _ = body["blocks"]
    assert header["text"]["text"] == f"[Critical] Template {name} (en_US) was disabled by Meta."
    assert section["fields"][0]["text"] == f"*Template*\n{name} (en_US)"
    assert NotificationDelivery.objects.get().status == "sent"


# Outside a test transaction, as a request runs: the send follows the commit at once.
@pytest.mark.django_db(transaction=True)
def test_organization_and_channel_names_reach_slack_escaped_in_a_test_message(
    admin_client, organization, httpserver
):
    httpserver.expect_oneshot_request("/slack", method="POST").respond_with_data("ok")
    organization.name = "Acme & <!here>"
    organization.save()
    channel = factories.NotificationChannelFactory(
        organization=organization,
        slack=True,
        url=httpserver.url_for("/slack"),
        name="<!channel>",
    )

    assert admin_client.post(f"{CHANNELS_URL}{channel.pk}/test").status_code == 200

    (request, _) = httpserver.log[0]
    body = request.get_json()
    summary = "This is a test of the channel &lt;!channel&gt;: alerts will arrive like this."
    assert body["text"] == summary
    header, section = body["blocks"]
    assert header["text"]["text"] == "Test notification from PyTake for Acme &amp; &lt;!here&gt;"
    assert section["text"]["text"] == summary


def test_an_account_name_with_a_line_break_is_emailed_with_a_clean_subject(
    organization, mailoutbox, django_capture_on_commit_callbacks
):
    account = factories.BusinessAccountFactory(
        organization=organization, name="Acme\r\nBcc: attacker@example.com"
    )
    factories.NotificationChannelFactory(organization=organization, recipients=["ops@example.com"])

    with django_capture_on_commit_callbacks(execute=True):
        react_to_account_events(
            [
                BusinessAccountEvent(
                    account=account,
                    kind=AccountEventKind.TOKEN_INVALID,
                    reason="Meta access token no longer works: Meta says it was revoked.",
                    occurred_at=NOW,
                )
            ]
        )

    [email] = mailoutbox
    assert email.subject == (
        "[Critical] Meta access token no longer works for business account "
        f"Acme Bcc: attacker@example.com ({account.waba_id})."
    )
    assert email.to == ["ops@example.com"]
    assert email.message()["Bcc"] is None
    assert NotificationDelivery.objects.get().status == "sent"
