"""Alerts notified by email, Slack and signed customer webhooks: content, retries, digests.

HTTP channels point at a real local server the test starts (pytest-httpserver); email goes to
Django's locmem outbox. Meta's news arrives as signed webhook deliveries, and the after-commit
callbacks run as they would after a real commit.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from standardwebhooks.webhooks import Webhook
from werkzeug import Request, Response

from alerts import tasks
from alerts.models import Alert, NotificationDelivery
from alerts.services import channels
from campaigns.models import Campaign
from pytake.dates import exact_time
from templates_app.meta import combine
from tests import factories
from tests.alerts.conftest import T0, quality_body, status_body
from tests.webhooks import signed_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_settings")]

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def deliver_meta(client, django_capture_on_commit_callbacks):
    """POST Meta's signed body; run what waits for the commit, as a real commit would."""

    def deliver(body: dict) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            response = signed_post(client, body)
        assert response.status_code == 200, response.content

    return deliver


@pytest.fixture
def disabled_with_campaigns(template):
    factories.CampaignFactory.create_batch(3, template=template, status=Campaign.Status.ACTIVE)
    return status_body(template, "DISABLED", reason="SCAM")


def slack_channel(organization, httpserver, path: str = "/slack", **kwargs):
    return factories.NotificationChannelFactory(
        organization=organization, slack=True, url=httpserver.url_for(path), **kwargs
    )


def webhook_channel(organization, httpserver, path: str = "/hooks", **kwargs):
    return factories.NotificationChannelFactory(
        organization=organization, webhook=True, url=httpserver.url_for(path), **kwargs
    )


def received(httpserver) -> list[Request]:
    return [request for request, _ in httpserver.log]


# --- email --------------------------------------------------------------------------------------


def test_disabled_alert_is_emailed_in_text_and_html_with_a_link(
    deliver_meta, organization, template, disabled_with_campaigns, mailoutbox
):
    factories.NotificationChannelFactory(
        organization=organization, recipients=["ops@example.com", "cto@example.com"]
    )

    deliver_meta(disabled_with_campaigns)

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    title = "Template spring_sale (en_US) was disabled by Meta: scam. 3 campaigns paused."
    link = f"http://127.0.0.1:8000/admin/templates_app/whatsapptemplate/{template.pk}/change/"
    assert email.subject == f"[Critical] {title}"
    assert email.to == ["ops@example.com", "cto@example.com"]
    assert email.body.startswith(f"{title}\n  Template:         spring_sale (en_US)\n")
    assert "Status:           disabled" in email.body
    assert "Quality:          high (green)" in email.body
    assert "Why:              Disabled by Meta: scam" in email.body
    assert "Campaigns paused: 3" in email.body
    assert link in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    assert f'<a href="{link}">Open spring_sale (en_US) in PyTake</a>' in html
    assert "<td>3</td>" in html
    # When, as every page prints a moment, in UTC and saying so: readers are anywhere.
    raised = exact_time(Alert.objects.get().created_at, UTC, zone=True)
    assert raised.endswith(" (UTC)")
    assert f"Raised:           {raised}\n" in email.body
    assert f">{raised}</time></td>" in html
    delivery = NotificationDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.kind) == ("sent", 1, "alert")
    assert delivery.sent_at is not None


def test_an_alert_about_a_business_account_is_emailed_with_a_link_to_the_account(
    organization, mailoutbox, django_capture_on_commit_callbacks
):
    from templates_app.changes import (
        AccountEventKind,
        BusinessAccountEvent,
        react_to_account_events,
    )

    account = factories.BusinessAccountFactory(organization=organization, name="Acme")
    factories.NotificationChannelFactory(organization=organization, recipients=["ops@example.com"])

    with django_capture_on_commit_callbacks(execute=True):
        react_to_account_events(
            [
                BusinessAccountEvent(
                    account=account,
                    kind=AccountEventKind.TOKEN_INVALID,
                    reason=(
                        "Meta access token no longer works: Meta says it expired or was revoked."
                    ),
                    occurred_at=NOW,
                )
            ]
        )

    [email] = mailoutbox
    title = f"Meta access token no longer works for business account Acme ({account.waba_id})."
    link = f"http://127.0.0.1:8000/admin/templates_app/businessaccount/{account.pk}/change/"
    assert email.subject == f"[Critical] {title}"
    assert f"Business account: Acme ({account.waba_id})" in email.body
    assert "Campaigns paused" not in email.body
    assert link in email.body


def test_channels_hear_only_alerts_at_or_above_their_minimum(
    deliver_meta, organization, template, other_organization, mailoutbox
):
    factories.NotificationChannelFactory(
        organization=organization, recipients=["critical@example.com"], min_severity="CRITICAL"
    )
    factories.NotificationChannelFactory(
        organization=organization, recipients=["info@example.com"], min_severity="INFO"
    )
    factories.NotificationChannelFactory(
        organization=organization, recipients=["off@example.com"], enabled=False
    )
    factories.NotificationChannelFactory(
        organization=other_organization, recipients=["else@example.com"], min_severity="INFO"
    )

    deliver_meta(status_body(template, "REJECTED", reason="INVALID_FORMAT"))  # INFO

    assert [email.to for email in mailoutbox] == [["info@example.com"]]


def test_a_repeated_alert_is_not_notified_again(deliver_meta, organization, template, mailoutbox):
    factories.NotificationChannelFactory(organization=organization)

    deliver_meta(status_body(template, "LOCKED", occurred_at=T0))
    deliver_meta(status_body(template, "PAUSED", occurred_at=T0 + 60))

    assert len(mailoutbox) == 1
    assert Alert.objects.get().occurrences == 2


def test_an_escalation_is_notified(deliver_meta, organization, template, mailoutbox):
    factories.NotificationChannelFactory(organization=organization)

    deliver_meta(status_body(template, "PAUSED", occurred_at=T0))
    deliver_meta(status_body(template, "DISABLED", occurred_at=T0 + 60))

    assert [email.subject.split("]")[0] for email in mailoutbox] == ["[Warning", "[Critical"]


# --- Slack --------------------------------------------------------------------------------------


def test_slack_gets_a_text_summary_and_blocks(
    deliver_meta, organization, template, disabled_with_campaigns, httpserver
):
    httpserver.expect_oneshot_request("/slack", method="POST").respond_with_data("ok")
    slack_channel(organization, httpserver)

    deliver_meta(disabled_with_campaigns)

    httpserver.check_assertions()
    (request,) = received(httpserver)
    body = request.get_json()
    title = "Template spring_sale (en_US) was disabled by Meta: scam. 3 campaigns paused."
    assert body["text"] == title
    header, section, actions = body["blocks"]
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": f"[Critical] {title}"},
    }
    link = f"http://127.0.0.1:8000/admin/templates_app/whatsapptemplate/{template.pk}/change/"
    assert section["text"]["text"] == (
        f"*<{link}|{title}>*\n*Why:* Disabled by Meta: scam"
        "\n*What to do:* Create a new template and move its campaigns to it"
    )
    assert [field["text"] for field in section["fields"]] == [
        "*Template*\nspring_sale (en_US)",
        "*Status*\ndisabled",
        "*Quality*\nhigh (green)",
        "*Campaigns paused*\n3",
    ]
    assert actions["elements"][0]["url"] == link
    assert NotificationDelivery.objects.get().status == "sent"


# --- customer webhooks --------------------------------------------------------------------------


def test_customer_webhook_is_signed_per_standard_webhooks(
    deliver_meta, organization, template, disabled_with_campaigns, httpserver
):
    httpserver.expect_oneshot_request("/hooks", method="POST").respond_with_data("", status=204)
    webhook_channel(organization, httpserver)

    deliver_meta(disabled_with_campaigns)

    (request,) = received(httpserver)
    delivery = NotificationDelivery.objects.get()
    assert request.headers["webhook-id"] == f"msg_{delivery.pk}"
    assert request.headers["webhook-signature"].startswith("v1,")
    payload = Webhook(factories.WEBHOOK_SECRET).verify(request.get_data(), dict(request.headers))
    assert payload["type"] == "alert.raised"
    alert = payload["data"]["alert"]
    assert alert["kind"] == "TEMPLATE_DISABLED"
    assert alert["severity"] == "CRITICAL"
    assert alert["template"]["id"] == str(template.pk)
    assert alert["campaigns_paused"] == 3
    assert delivery.status == "sent"


def test_a_tampered_body_fails_verification(
    deliver_meta, organization, template, disabled_with_campaigns, httpserver
):
    from standardwebhooks.webhooks import WebhookVerificationError

    httpserver.expect_oneshot_request("/hooks").respond_with_data("")
    webhook_channel(organization, httpserver)
    deliver_meta(disabled_with_campaigns)
    (request,) = received(httpserver)

    with pytest.raises(WebhookVerificationError):
        Webhook(factories.WEBHOOK_SECRET).verify(
            request.get_data().replace(b"CRITICAL", b"INFO"), dict(request.headers)
        )


# --- failures and retries -----------------------------------------------------------------------


def test_500_then_success_retries_after_a_minute_with_the_same_message_id(
    deliver_meta, organization, template, httpserver, frozen
):
    httpserver.expect_ordered_request("/hooks").respond_with_data("down", status=500)
    httpserver.expect_ordered_request("/hooks").respond_with_data("", status=200)
    webhook_channel(organization, httpserver)

    deliver_meta(status_body(template, "DISABLED"))

    delivery = NotificationDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("retrying", 1)
    assert delivery.next_attempt_at == NOW + timedelta(minutes=1)
    assert delivery.last_error == "The endpoint answered 500."

    frozen.shift(timedelta(seconds=59))
    tasks.send_due()
    assert len(httpserver.log) == 1

    frozen.shift(timedelta(seconds=1))
    tasks.send_due()

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")
    first, second = received(httpserver)
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == f"msg_{delivery.pk}"


def test_retries_wait_1_2_4_8_minutes_then_fail_for_good(organization, template, httpserver):
    httpserver.expect_request("/slack").respond_with_data("nope", status=503)
    channel = slack_channel(organization, httpserver)
    alert = factories.AlertFactory(template=template)
    delivery = factories.NotificationDeliveryFactory(channel=channel, alert=alert)
    waits, moment = [], NOW

    with time_machine.travel(NOW, tick=False) as traveller:
        delivery.next_attempt_at = NOW
        delivery.save()
        for _ in range(5):
            tasks.send_due()
            delivery.refresh_from_db()
            if delivery.next_attempt_at is None:
                break
            waits.append(delivery.next_attempt_at - moment)
            moment = delivery.next_attempt_at
            traveller.move_to(moment)
        traveller.shift(timedelta(hours=1))
        tasks.send_due()

    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert (delivery.status, delivery.attempts) == ("failed", 5)
    assert delivery.last_error == "The endpoint answered 503."
    assert len(httpserver.log) == 5


def test_a_hanging_server_hits_the_timeout_and_is_retried(
    settings, deliver_meta, organization, template, httpserver
):
    settings.NOTIFY_TIMEOUT_SECONDS = 0.3

    def hang(request: Request) -> Response:
        time.sleep(1.0)
        return Response("late")

    httpserver.expect_request("/slack").respond_with_handler(hang)
    slack_channel(organization, httpserver)

    deliver_meta(status_body(template, "DISABLED"))

    delivery = NotificationDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("retrying", 1)
    assert delivery.last_error == "The endpoint could not be reached."


def test_a_failing_channel_never_fails_the_webhook(
    deliver_meta, organization, template, httpserver, mailoutbox
):
    httpserver.expect_request("/hooks").respond_with_data("boom", status=500)
    webhook_channel(organization, httpserver)
    factories.NotificationChannelFactory(
        organization=organization, slack=True, url="http://127.0.0.1:9/closed"
    )
    factories.NotificationChannelFactory(organization=organization)

    deliver_meta(status_body(template, "DISABLED"))  # asserts the 200

    template.refresh_from_db()
    assert template.status == "DISABLED"
    assert Alert.objects.get().status == "OPEN"
    statuses = sorted(NotificationDelivery.objects.values_list("channel__kind", "status"))
    assert statuses == [("email", "sent"), ("slack", "retrying"), ("webhook", "retrying")]
    assert len(mailoutbox) == 1


def test_a_sent_message_is_never_sent_twice(organization, template, httpserver):
    httpserver.expect_request("/slack").respond_with_data("ok")
    channel = slack_channel(organization, httpserver)
    delivery = factories.NotificationDeliveryFactory(
        channel=channel, alert=factories.AlertFactory(template=template)
    )

    # A deferred task, the scheduler and an admin's retry all reach the same delivery.
    assert tasks.attempt_delivery(delivery_id=delivery.pk) == "sent"
    assert tasks.attempt_delivery(delivery_id=delivery.pk) == "sent"
    tasks.send_due()
    assert channels.retry_deliveries(deliveries=NotificationDelivery.objects.all()) == 0

    assert len(httpserver.log) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_retrying_a_failed_delivery_sends_it_again(
    organization, template, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/slack").respond_with_data("ok")
    channel = slack_channel(organization, httpserver)
    delivery = factories.NotificationDeliveryFactory(
        channel=channel,
        alert=factories.AlertFactory(template=template),
        status="failed",
        attempts=5,
        next_attempt_at=None,
        last_error="timeout",
    )

    with django_capture_on_commit_callbacks(execute=True):
        retried = channels.retry_deliveries(deliveries=NotificationDelivery.objects.all())

    assert retried == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.max_attempts) == ("sent", 6, 10)
    assert len(httpserver.log) == 1


# --- digests ------------------------------------------------------------------------------------


def test_many_alerts_within_a_minute_go_out_as_one_digest(
    settings, deliver_meta, organization, phone_number, mailoutbox, frozen
):
    settings.NOTIFY_DIGEST_AFTER = 3
    templates = factories.WhatsAppTemplateFactory.create_batch(12, phone_number=phone_number)
    factories.NotificationChannelFactory(organization=organization)

    # One batch from Meta turning twelve templates RED.
    deliver_meta(combine(*(quality_body(t, "RED") for t in templates)))

    assert len(mailoutbox) == 3
    digest = NotificationDelivery.objects.get(kind="digest")
    assert (digest.status, digest.next_attempt_at) == ("pending", NOW + timedelta(minutes=1))
    assert digest.digested.count() == 9

    frozen.shift(timedelta(seconds=59))
    call_command("send_notifications", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mailoutbox) == 3

    frozen.shift(timedelta(seconds=1))
    call_command("send_notifications", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert len(mailoutbox) == 4
    email = mailoutbox[3]
    assert email.subject == f"9 template alerts for {organization.name}"
    assert email.body.startswith(
        f"9 template alerts for {organization.name} within a minute, 9 of them critical."
    )
    for template in templates[3:]:
        assert f"Template {template.name} (en_US) has low (red) quality." in email.body
    digest.refresh_from_db()
    assert digest.status == "sent"
    assert set(digest.digested.values_list("status", flat=True)) == {"in_digest"}


def test_digest_to_a_customer_webhook_lists_every_alert(
    settings, deliver_meta, organization, phone_number, httpserver, frozen
):
    settings.NOTIFY_DIGEST_AFTER = 1
    httpserver.expect_request("/hooks").respond_with_data("")
    templates = factories.WhatsAppTemplateFactory.create_batch(4, phone_number=phone_number)
    webhook_channel(organization, httpserver)

    deliver_meta(combine(*(quality_body(t, "RED") for t in templates)))
    frozen.shift(timedelta(minutes=1))
    tasks.send_due()

    first, digest = received(httpserver)
    payload = Webhook(factories.WEBHOOK_SECRET).verify(digest.get_data(), dict(digest.headers))
    assert payload["type"] == "alert.digest"
    assert sorted(alert["template"]["name"] for alert in payload["data"]["alerts"]) == sorted(
        t.name for t in templates[1:]
    )
    assert json.loads(first.get_data())["type"] == "alert.raised"
