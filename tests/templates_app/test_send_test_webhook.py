"""`send_test_webhook` posts a signed, Meta-shaped event that the endpoint accepts."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from pytest_httpserver import HTTPServer

from templates_app.meta import (
    SIGNATURE_HEADER,
    QualityScore,
    QualityUpdate,
    StatusEvent,
    StatusUpdate,
    parse_delivery_body,
    signature_is_valid,
)
from templates_app.models import TemplateStatus, WebhookDelivery
from tests import factories
from tests.conftest import PAYLOADS_TEMPLATE_ID, PAYLOADS_WABA_ID
from tests.webhooks import TEST_APP_SECRET, WEBHOOK_URL


def send_test_webhook(*args: str) -> str:
    out = StringIO()
    call_command("send_test_webhook", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def fake_meta_endpoint(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request(WEBHOOK_URL, method="POST").respond_with_json(
        {"delivery": 1, "status": "processed"}
    )
    return httpserver


def captured_request(httpserver: HTTPServer):
    assert len(httpserver.log) == 1
    request, _ = httpserver.log[0]
    return request


@pytest.mark.django_db
def test_status_event_is_posted_signed_with_the_configured_secret(
    webhook_settings, order_update, fake_meta_endpoint
):
    before = int(time.time())

    output = send_test_webhook(
        "PAUSED", "order_update", "--url", fake_meta_endpoint.url_for(WEBHOOK_URL)
    )

    request = captured_request(fake_meta_endpoint)
    body = request.get_data()
    assert request.headers["Content-Type"] == "application/json"
    assert signature_is_valid(
        body, header_value=request.headers[SIGNATURE_HEADER], app_secret=TEST_APP_SECRET
    )
    assert not signature_is_valid(
        body, header_value=request.headers[SIGNATURE_HEADER], app_secret="another-secret"
    )
    (event,) = parse_delivery_body(body).events
    assert isinstance(event, StatusUpdate)
    assert event.event is StatusEvent.PAUSED
    assert event.waba_id == PAYLOADS_WABA_ID
    assert event.template.meta_template_id == PAYLOADS_TEMPLATE_ID
    assert (event.template.name, event.template.language) == ("order_update", "en_US")
    assert before <= event.occurred_at.timestamp() <= time.time()
    assert "200" in output


@pytest.mark.django_db
def test_quality_event_carries_the_new_and_the_current_quality(
    webhook_settings, order_update, fake_meta_endpoint
):
    send_test_webhook(
        "QUALITY",
        "order_update",
        "--quality",
        "RED",
        "--url",
        fake_meta_endpoint.url_for(WEBHOOK_URL),
    )

    request = captured_request(fake_meta_endpoint)
    assert signature_is_valid(
        request.get_data(),
        header_value=request.headers[SIGNATURE_HEADER],
        app_secret=TEST_APP_SECRET,
    )
    (event,) = parse_delivery_body(request.get_data()).events
    assert isinstance(event, QualityUpdate)
    assert event.new_quality is QualityScore.RED
    assert event.previous_quality is QualityScore.GREEN
    assert event.template.meta_template_id == PAYLOADS_TEMPLATE_ID


@pytest.mark.django_db
def test_error_answer_from_the_server_fails_the_command(
    webhook_settings, order_update, httpserver: HTTPServer
):
    httpserver.expect_request(WEBHOOK_URL, method="POST").respond_with_json(
        {"detail": "Missing or invalid X-Hub-Signature-256."}, status=403
    )

    with pytest.raises(CommandError, match="403"):
        send_test_webhook("PAUSED", "order_update", "--url", httpserver.url_for(WEBHOOK_URL))


@pytest.mark.django_db
def test_command_refuses_to_send_without_an_app_secret(
    webhook_settings, order_update, httpserver: HTTPServer
):
    webhook_settings.WHATSAPP_WEBHOOK_APP_SECRET = ""

    with pytest.raises(CommandError, match="WHATSAPP_WEBHOOK_APP_SECRET"):
        send_test_webhook("PAUSED", "order_update", "--url", httpserver.url_for(WEBHOOK_URL))
    assert httpserver.log == []


@pytest.mark.django_db
def test_command_refuses_an_unknown_template(webhook_settings, httpserver: HTTPServer):
    with pytest.raises(CommandError, match="No template named 'nope'"):
        send_test_webhook("PAUSED", "nope", "--url", httpserver.url_for(WEBHOOK_URL))
    assert httpserver.log == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args",
    [("QUALITY", "order_update"), ("PAUSED", "order_update", "--quality", "RED")],
    ids=["quality-without-score", "score-without-quality"],
)
def test_command_requires_quality_option_exactly_with_quality_event(
    webhook_settings, order_update, httpserver: HTTPServer, args
):
    with pytest.raises(CommandError, match="--quality"):
        send_test_webhook(*args, "--url", httpserver.url_for(WEBHOOK_URL))
    assert httpserver.log == []


@pytest.mark.django_db(transaction=True)
def test_command_pauses_the_template_on_a_running_server(
    live_server, webhook_settings, order_update
):
    output = send_test_webhook("PAUSED", "order_update", "--url", live_server.url + WEBHOOK_URL)

    order_update.refresh_from_db()
    assert order_update.status == TemplateStatus.PAUSED
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert f'"delivery":{delivery.pk}' in output.replace(" ", "")


@pytest.mark.django_db(transaction=True)
def test_command_changes_the_quality_on_a_running_server(
    live_server, webhook_settings, order_update
):
    send_test_webhook(
        "QUALITY", "order_update", "--quality", "RED", "--url", live_server.url + WEBHOOK_URL
    )

    order_update.refresh_from_db()
    assert order_update.quality_score == "RED"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args", [("FOO", "order_update"), ("QUALITY", "order_update", "--quality", "PURPLE")]
)
def test_an_unknown_choice_is_refused_with_the_choices_in_words(
    webhook_settings, order_update, httpserver: HTTPServer, args
):
    with pytest.raises(CommandError) as refused:
        send_test_webhook(*args, "--url", httpserver.url_for(WEBHOOK_URL))

    message = str(refused.value)
    assert "<" not in message and "StatusEvent" not in message, message
    assert "PAUSED, DISABLED" in message or "GREEN, YELLOW, RED" in message, message
    assert httpserver.log == []


@pytest.mark.django_db
def test_an_event_in_lower_case_is_sent(webhook_settings, order_update, fake_meta_endpoint):
    send_test_webhook("paused", "order_update", "--url", fake_meta_endpoint.url_for(WEBHOOK_URL))

    (event,) = parse_delivery_body(captured_request(fake_meta_endpoint).get_data()).events
    assert event.event is StatusEvent.PAUSED


@pytest.mark.django_db
def test_an_unknown_template_lists_those_that_exist(
    webhook_settings, order_update, httpserver: HTTPServer
):
    with pytest.raises(CommandError, match=r"Templates here: order_update \(en_US\)\."):
        send_test_webhook("PAUSED", "order_updat", "--url", httpserver.url_for(WEBHOOK_URL))


@pytest.mark.django_db(transaction=True)
def test_the_command_says_what_the_delivery_did(live_server, webhook_settings, order_update):
    factories.CampaignFactory(template=order_update)
    factories.CampaignFactory(template=order_update)

    output = send_test_webhook("DISABLED", "order_update", "--url", live_server.url + WEBHOOK_URL)

    delivery = WebhookDelivery.objects.get()
    assert (
        f"Delivery {delivery.pk} processed: 1 change applied, 2 campaigns paused, "
        "1 alert raised." in output
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("event", "field", "applied"),
    [
        ("FLAGGED_NUMBER", "phone_number_quality_update", ("status", "FLAGGED")),
        ("RESTRICTED", "account_update", ("restrictions", "RESTRICTED_BIZ_INITIATED_MESSAGING")),
        ("REINSTATE_ACCOUNT", "account_update", ("ban_state", "REINSTATE")),
    ],
)
def test_sending_path_events_of_the_demo_account_are_accepted_by_the_endpoint(
    client, webhook_settings, fake_meta_endpoint, meta_number, event, field, applied
):
    send_test_webhook(event, "--url", fake_meta_endpoint.url_for(WEBHOOK_URL))

    request = captured_request(fake_meta_endpoint)
    assert signature_is_valid(
        request.get_data(),
        header_value=request.headers[SIGNATURE_HEADER],
        app_secret=TEST_APP_SECRET,
    )
    response = client.post(
        WEBHOOK_URL,
        data=request.get_data(),
        content_type="application/json",
        headers={SIGNATURE_HEADER: request.headers[SIGNATURE_HEADER]},
    )
    assert response.json()["status"] == "processed"
    [outcome] = WebhookDelivery.objects.get().outcomes
    assert (outcome["field"], outcome["result"]) == (field, "applied")
    name, value = applied
    number = meta_number.__class__.objects.get(pk=meta_number.pk)
    account = number.business_account
    held = {"status": number.status, "ban_state": account.ban_state}
    held["restrictions"] = ",".join(r["restriction_type"] for r in account.restrictions)
    assert held[name] == value
