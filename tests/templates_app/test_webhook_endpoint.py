"""The webhook endpoint: handshake, signature, body size, malformed bodies, storage, redelivery."""

from __future__ import annotations

import hashlib
import json

import pytest

from templates_app.meta import SIGNATURE_HEADER, encode, sign, status_update_body
from templates_app.models import TemplateStatus, WebhookDelivery
from tests.conftest import PAYLOADS_TEMPLATE_ID, PAYLOADS_WABA_ID
from tests.webhooks import (
    TEST_APP_SECRET,
    TEST_VERIFY_TOKEN,
    WEBHOOK_URL,
    payload_bytes,
    signed_post,
)

pytestmark = pytest.mark.django_db


def handshake(client, *, mode="subscribe", token=TEST_VERIFY_TOKEN, challenge="1158201444"):
    return client.get(
        WEBHOOK_URL,
        {"hub.mode": mode, "hub.verify_token": token, "hub.challenge": challenge},
    )


def assert_nothing_applied(template) -> None:
    assert not WebhookDelivery.objects.exists()
    template.refresh_from_db()
    assert template.status == TemplateStatus.APPROVED
    assert template.status_event_at is None


# --- GET handshake --------------------------------------------------------------------------------


def test_handshake_echoes_the_challenge_verbatim_as_plain_text(client, webhook_settings):
    response = handshake(client, challenge="a b&c=ü 1158201444")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == "a b&c=ü 1158201444"


def test_handshake_with_a_wrong_verify_token_is_forbidden(client, webhook_settings):
    response = handshake(client, token="not-the-token")

    assert response.status_code == 403
    assert b"1158201444" not in response.content


def test_handshake_with_a_mode_other_than_subscribe_is_forbidden(client, webhook_settings):
    assert handshake(client, mode="unsubscribe").status_code == 403


def test_handshake_without_parameters_is_forbidden(client, webhook_settings):
    assert client.get(WEBHOOK_URL).status_code == 403


@pytest.mark.parametrize("sent_token", ["", "anything"])
def test_handshake_is_forbidden_when_no_verify_token_is_configured(
    client, webhook_settings, sent_token
):
    webhook_settings.WHATSAPP_WEBHOOK_VERIFY_TOKEN = ""

    assert handshake(client, token=sent_token).status_code == 403


def test_webhook_url_answers_with_and_without_its_trailing_slash(client, webhook_settings):
    query = {"hub.mode": "subscribe", "hub.verify_token": TEST_VERIFY_TOKEN, "hub.challenge": "1"}

    assert client.get("/api/v1/whatsapp/webhook", query).content == b"1"
    assert client.get("/api/v1/whatsapp/webhook/", query).content == b"1"


# --- POST: signature ------------------------------------------------------------------------------


def test_delivery_without_signature_is_forbidden_and_changes_nothing(
    client, webhook_settings, order_update
):
    response = client.post(
        WEBHOOK_URL, data=payload_bytes("status_paused.json"), content_type="application/json"
    )

    assert response.status_code == 403
    assert "detail" in response.json()
    assert_nothing_applied(order_update)


def test_delivery_signed_with_another_secret_is_forbidden_and_changes_nothing(
    client, webhook_settings, order_update
):
    response = signed_post(client, payload_bytes("status_paused.json"), app_secret="other-secret")

    assert response.status_code == 403
    assert_nothing_applied(order_update)


def test_during_a_rotation_both_the_new_and_the_previous_app_secret_are_accepted(
    client, webhook_settings, order_update
):
    webhook_settings.WHATSAPP_WEBHOOK_APP_SECRET = "new-app-secret"
    webhook_settings.WHATSAPP_WEBHOOK_APP_SECRET_PREVIOUS = TEST_APP_SECRET
    paused = payload_bytes("status_paused.json")
    reinstated = encode(
        status_update_body(
            waba_id=PAYLOADS_WABA_ID,
            event="REINSTATED",
            template_id=PAYLOADS_TEMPLATE_ID,
            name="order_update",
            occurred_at=1900000000,
        )
    )

    by_previous = signed_post(client, paused, app_secret=TEST_APP_SECRET)
    by_new = signed_post(client, reinstated, app_secret="new-app-secret")
    by_neither = signed_post(client, paused + b" ", app_secret="other-secret")

    assert (by_previous.status_code, by_new.status_code) == (200, 200)
    assert by_neither.status_code == 403
    assert WebhookDelivery.objects.count() == 2


def test_the_previous_app_secret_is_refused_once_the_rotation_ends(
    client, webhook_settings, order_update
):
    webhook_settings.WHATSAPP_WEBHOOK_APP_SECRET = "new-app-secret"

    response = signed_post(client, payload_bytes("status_paused.json"), app_secret=TEST_APP_SECRET)

    assert response.status_code == 403
    assert_nothing_applied(order_update)


def test_delivery_whose_signature_is_for_other_bytes_is_forbidden(
    client, webhook_settings, order_update
):
    body = payload_bytes("status_paused.json")
    signature_of_other_body = sign(body + b" ", app_secret=TEST_APP_SECRET)

    response = signed_post(client, body, signature=signature_of_other_body)

    assert response.status_code == 403
    assert_nothing_applied(order_update)


@pytest.mark.parametrize(
    "signature",
    ["", "sha256=", "sha256=nothex", "deadbeef", "sha1=" + "0" * 40],
    ids=["empty", "prefix-only", "not-hex", "no-prefix", "sha1"],
)
def test_delivery_with_a_malformed_signature_is_forbidden(
    client, webhook_settings, order_update, signature
):
    response = signed_post(client, payload_bytes("status_paused.json"), signature=signature)

    assert response.status_code == 403
    assert_nothing_applied(order_update)


def test_delivery_is_refused_with_503_when_no_app_secret_is_configured(
    client, webhook_settings, order_update
):
    webhook_settings.WHATSAPP_WEBHOOK_APP_SECRET = ""

    response = signed_post(client, payload_bytes("status_paused.json"))

    assert response.status_code == 503
    assert "detail" in response.json()
    assert_nothing_applied(order_update)


def test_signature_is_checked_before_the_body_is_parsed(client, webhook_settings):
    response = signed_post(client, b"{not json", app_secret="other-secret")

    assert response.status_code == 403


# --- POST: size -----------------------------------------------------------------------------------


def padded_body(size: int) -> bytes:
    """A valid delivery of exactly `size` bytes (JSON whitespace pads it)."""
    body = payload_bytes("status_paused.json").rstrip()
    assert size >= len(body)
    return body + b" " * (size - len(body))


def test_delivery_larger_than_one_mebibyte_is_refused_with_413(
    client, webhook_settings, order_update
):
    assert webhook_settings.WHATSAPP_WEBHOOK_MAX_BODY_BYTES == 1024 * 1024

    response = signed_post(client, padded_body(1024 * 1024 + 1))

    assert response.status_code == 413
    assert "detail" in response.json()
    assert_nothing_applied(order_update)


def test_delivery_of_exactly_one_mebibyte_is_accepted(client, webhook_settings, order_update):
    response = signed_post(client, padded_body(1024 * 1024))

    assert response.status_code == 200
    order_update.refresh_from_db()
    assert order_update.status == TemplateStatus.PAUSED


def test_body_limit_follows_the_setting(client, webhook_settings, order_update):
    size = len(payload_bytes("status_paused.json").rstrip())
    webhook_settings.WHATSAPP_WEBHOOK_MAX_BODY_BYTES = size

    too_large = signed_post(client, padded_body(size + 1))
    assert too_large.status_code == 413
    assert str(size) in too_large.json()["detail"]
    assert_nothing_applied(order_update)

    assert signed_post(client, padded_body(size)).status_code == 200


# --- POST: malformed bodies -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b"\xff\xfe{}", b'{"object": NaN}', b"[]", b'"whatsapp_business_account"'],
    ids=["broken", "empty", "not-utf8", "nan", "array", "string"],
)
def test_signed_body_that_is_not_a_json_object_is_a_400_and_kept_as_rejected(
    client, webhook_settings, body
):
    response = signed_post(client, body)

    assert response.status_code == 400
    assert set(response.json()) == {"detail"}
    delivery = WebhookDelivery.objects.get()
    assert bytes(delivery.body) == body
    assert delivery.status == WebhookDelivery.Status.REJECTED
    assert delivery.error == response.json()["detail"]
    assert delivery.attempts == 1
    assert [attempt["status"] for attempt in delivery.history] == ["rejected"]


@pytest.mark.parametrize(
    "envelope",
    [{"object": "page", "entry": []}, {"object": "instagram", "entry": []}, {"entry": []}],
    ids=["page", "instagram", "missing"],
)
def test_signed_body_for_another_object_is_a_400_kept_as_rejected(
    client, webhook_settings, order_update, envelope
):
    body = json.loads(payload_bytes("status_paused.json"))
    body.pop("object")
    body.update(envelope)

    response = signed_post(client, encode(body))

    assert response.status_code == 400
    assert set(response.json()) == {"detail"}
    assert "whatsapp_business_account" in response.json()["detail"]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.error) == ("rejected", response.json()["detail"])
    order_update.refresh_from_db()
    assert (order_update.status, order_update.status_event_at) == (TemplateStatus.APPROVED, None)


# --- POST: storage --------------------------------------------------------------------------------


def test_delivery_is_stored_with_its_exact_bytes_headers_and_hash(
    client, webhook_settings, order_update
):
    body = payload_bytes("status_paused.json")

    response = signed_post(client, body)

    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert response.json() == {
        "delivery": delivery.pk,
        "status": "processed",
        "changes": 1,
        "campaigns_paused": 0,
        "alerts_raised": 1,
    }
    assert bytes(delivery.body) == body
    assert delivery.body_sha256 == hashlib.sha256(body).hexdigest()
    assert delivery.headers[SIGNATURE_HEADER] == sign(body, app_secret=TEST_APP_SECRET)
    assert delivery.headers["Content-Type"] == "application/json"
    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert delivery.error == ""
    assert delivery.attempts == 1
    assert delivery.processed_at is not None
    assert delivery.processed_at >= delivery.received_at
    assert delivery.fields == "message_template_status_update"
    assert delivery.waba_ids == PAYLOADS_WABA_ID
    assert [outcome["result"] for outcome in delivery.outcomes] == ["applied"]


def test_stored_headers_leave_out_unrelated_ones(client, webhook_settings, order_update):
    body = payload_bytes("status_paused.json")

    client.post(
        WEBHOOK_URL,
        data=body,
        content_type="application/json",
        headers={
            SIGNATURE_HEADER: sign(body, app_secret=TEST_APP_SECRET),
            "User-Agent": "facebookexternalua",
            "Cookie": "sessionid=secret",
            "Authorization": "Bearer secret",
        },
    )

    headers = WebhookDelivery.objects.get().headers
    assert headers["User-Agent"] == "facebookexternalua"
    assert "Cookie" not in headers
    assert "Authorization" not in headers


def test_each_different_body_is_stored_as_its_own_delivery(client, webhook_settings, order_update):
    signed_post(client, payload_bytes("status_paused.json"))
    signed_post(client, payload_bytes("status_reinstated.json"))

    assert WebhookDelivery.objects.count() == 2


# --- POST: redelivery -----------------------------------------------------------------------------


def test_same_body_delivered_again_is_answered_200_and_applied_once(
    client, webhook_settings, order_update, change_log
):
    body = payload_bytes("status_paused.json")

    first = signed_post(client, body)
    second = signed_post(client, body)

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 1
    assert len(change_log.status) == 1


def test_redelivery_does_not_undo_a_newer_event_applied_in_between(
    client, webhook_settings, order_update
):
    paused = payload_bytes("status_paused.json")
    signed_post(client, paused)
    signed_post(client, payload_bytes("status_unpaused_approved.json"))

    signed_post(client, paused)

    order_update.refresh_from_db()
    assert order_update.status == TemplateStatus.APPROVED
    assert WebhookDelivery.objects.count() == 2


def test_same_events_in_different_bytes_are_a_new_delivery(client, webhook_settings, order_update):
    # Meta's retry repeats the bytes; a body that differs is a different delivery.
    event = status_update_body(
        waba_id=PAYLOADS_WABA_ID,
        event="PAUSED",
        template_id=PAYLOADS_TEMPLATE_ID,
        name="order_update",
        occurred_at=1732435200,
    )
    signed_post(client, encode(event))
    signed_post(client, json.dumps(event, indent=2).encode())

    assert WebhookDelivery.objects.count() == 2
    assert sorted(WebhookDelivery.objects.values_list("attempts", flat=True)) == [1, 1]


def test_redelivery_of_a_failed_delivery_processes_it_again(
    client, webhook_settings, order_update, failing_status_reaction
):
    body = payload_bytes("status_paused.json")
    assert signed_post(client, body).status_code == 500

    failing_status_reaction.armed = False
    response = signed_post(client, body)

    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert response.json() == {
        "delivery": delivery.pk,
        "status": "processed",
        "changes": 1,
        "campaigns_paused": 0,
        "alerts_raised": 1,
    }
    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert delivery.attempts == 2
    assert delivery.error == ""
    order_update.refresh_from_db()
    assert order_update.status == TemplateStatus.PAUSED
