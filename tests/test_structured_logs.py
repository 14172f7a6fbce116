"""LOG_FORMAT=json: one JSON object a line, with the request, organization and delivery it is
about, and never a secret, token or signature."""

from __future__ import annotations

import copy
import io
import json
import logging.config

import pytest
from django.conf import settings as django_settings

from organizations.services import issue_token
from templates_app import tasks
from templates_app.meta import combine, encode, quality_update_body, status_update_body
from templates_app.models import WebhookDelivery
from tests.conftest import PAYLOADS_TEMPLATE_ID, PAYLOADS_WABA_ID
from tests.webhooks import TEST_APP_SECRET, TEST_VERIFY_TOKEN, payload_bytes, sign, signed_post

pytestmark = pytest.mark.django_db


class JsonLog:
    """The lines the configured console handler wrote, as LOG_FORMAT=json writes them."""

    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.text.splitlines()]

    def about(self, text: str) -> list[dict]:
        return [line for line in self.lines() if text in line["message"]]


@pytest.fixture
def json_log():
    """settings.LOGGING itself (its filters included), with the json formatter, into a buffer."""
    stream = io.StringIO()
    config = copy.deepcopy(django_settings.LOGGING)
    config["handlers"]["console"].update(formatter="json", stream=stream)
    logging.config.dictConfig(config)
    try:
        yield JsonLog(stream)
    finally:
        logging.config.dictConfig(django_settings.LOGGING)


def two_changes_body() -> bytes:
    """A quality change and a PAUSED of order_update, in one delivery."""
    common = {
        "waba_id": PAYLOADS_WABA_ID,
        "template_id": PAYLOADS_TEMPLATE_ID,
        "name": "order_update",
        "occurred_at": 1732435200,
    }
    return encode(
        combine(
            quality_update_body(new_quality="RED", **common),
            status_update_body(event="PAUSED", **common),
        )
    )


def test_a_safe_incoming_request_id_is_kept_and_echoed(client, json_log):
    response = client.get("/api/v1/campaigns/", headers={"X-Request-ID": "lb-7f3a.19:2"})

    assert response.status_code == 401
    assert response["X-Request-ID"] == "lb-7f3a.19:2"
    [line] = json_log.about("Unauthorized: /api/v1/campaigns/")
    assert line["request_id"] == "lb-7f3a.19:2"
    assert line["level"] == "WARNING"
    assert line["logger"] == "django.request"


@pytest.mark.parametrize("offered", ["", "two words", "x" * 129, 'forged"} {"level":"ERROR'])
def test_an_unsafe_or_missing_request_id_is_replaced_by_a_new_one(client, json_log, offered):
    response = client.get("/api/v1/campaigns/", headers={"X-Request-ID": offered})

    request_id = response["X-Request-ID"]
    assert request_id != offered
    assert len(request_id) == 32
    [line] = json_log.about("Unauthorized")
    assert line["request_id"] == request_id


def test_a_webhook_request_logs_its_delivery_id_in_json(
    client, webhook_settings, order_update, json_log
):
    response = signed_post(client, payload_bytes("status_paused.json"))

    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    [line] = json_log.about(f"Webhook delivery {delivery.pk}: processed")
    assert line["delivery_id"] == delivery.pk
    assert line["request_id"] == response["X-Request-ID"]
    assert line["logger"] == "templates_app.webhooks"
    assert set(line) >= {"time", "level", "logger", "message"}


def test_a_failed_change_is_logged_with_its_organization_and_delivery(
    client, webhook_settings, order_update, failing_status_reaction, json_log
):
    response = signed_post(client, two_changes_body())

    assert response.status_code == 500
    delivery = WebhookDelivery.objects.get()
    [line] = json_log.about(f"of delivery {delivery.pk} failed")
    assert line["level"] == "ERROR"
    assert line["organization"] == str(order_update.organization_id)
    assert line["delivery_id"] == delivery.pk
    assert "status reaction exploded" in line["exception"]


def test_a_task_applying_a_delivery_logs_its_delivery_id(
    client, webhook_settings, settings, order_update, failing_status_reaction, json_log
):
    settings.WEBHOOK_PROCESSING = "async"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    signed_post(client, two_changes_body())
    delivery = WebhookDelivery.objects.get()

    tasks.apply_webhook_delivery.call(delivery.pk)

    [line] = json_log.about(f"Delivery {delivery.pk} failed (attempt 1)")
    assert line["delivery_id"] == delivery.pk
    assert "request_id" not in line  # a worker's line belongs to no request


def test_no_secret_token_or_signature_appears_in_any_log_line(
    client, webhook_settings, order_update, org_admin, json_log
):
    _, api_token = issue_token(user=org_admin)
    password = "a-Password-nobody-logs-42"
    org_admin.set_password(password)
    org_admin.save()
    body = payload_bytes("status_paused.json")
    signature = sign(body, app_secret=TEST_APP_SECRET)

    client.get("/api/v1/campaigns/", headers={"Authorization": f"Token {api_token}"})
    client.get("/api/v1/campaigns/", headers={"Authorization": f"Token {api_token}x"})
    client.get(f"/api/v1/campaigns/?token={api_token}")
    client.get(f"/no-such-page/?token={api_token}")
    client.post(
        "/api/v1/auth/token",
        {"username": org_admin.username, "password": password + "-wrong"},
        content_type="application/json",
    )
    client.get(
        "/api/v1/whatsapp/webhook",
        {"hub.mode": "subscribe", "hub.verify_token": TEST_VERIFY_TOKEN + "-wrong"},
    )
    signed_post(client, body)
    signed_post(client, body + b" ", signature=signature)  # a signature that no longer matches

    lines = json_log.lines()
    assert len(lines) >= 6  # the 401s, 404, 403s and the delivery were all logged
    for secret in (
        api_token,
        password,
        TEST_APP_SECRET,
        TEST_VERIFY_TOKEN,
        signature.removeprefix("sha256="),
    ):
        assert secret not in json_log.text


def test_text_stays_the_embedded_default():
    assert django_settings.LOG_FORMAT == "text"
    assert django_settings.LOGGING["handlers"]["console"]["formatter"] == "text"


def test_every_handler_takes_filters():
    for handler in django_settings.LOGGING["handlers"].values():
        assert isinstance(handler["filters"], list)


def test_an_api_request_is_logged_with_the_callers_organization(json_log, client, org_admin):
    _, token = issue_token(user=org_admin)

    response = client.get(
        "/api/v1/campaigns/00000000-0000-0000-0000-000000000000/",
        headers={"Authorization": f"Token {token}"},
    )

    assert response.status_code == 404
    [line] = json_log.about("Not Found: /api/v1/campaigns/")
    assert line["organization"] == str(org_admin.organization_id)
    assert line["request_id"] == response["X-Request-ID"]
