"""JSON nested deeper than JSON_MAX_DEPTH: refused with 400, shown as it came, never a 500."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from templates_app.models import WebhookDelivery
from tests import factories
from tests.webhooks import signed_post

TOKEN_URL = "/api/v1/auth/token"
DEEP = 5000


def nested_lists(depth: int) -> str:
    return "[" * depth + "]" * depth


def nested_objects(depth: int) -> str:
    """`{"a": {"a": … {}}}`, `depth` objects deep."""
    return '{"a": ' * (depth - 1) + "{}" + "}" * (depth - 1)


@pytest.mark.django_db
@pytest.mark.parametrize("body", [nested_lists(DEEP), nested_objects(DEEP)], ids=["list", "dict"])
def test_a_deeply_nested_body_to_the_anonymous_token_endpoint_is_a_400(body):
    response = APIClient().post(TOKEN_URL, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"detail": "JSON nested more than 64 levels deep is not accepted."}


@pytest.mark.django_db
def test_the_depth_limit_is_a_setting_and_nesting_up_to_it_is_read(settings):
    settings.JSON_MAX_DEPTH = 8
    at_limit = '{"username": ' + nested_objects(7) + ', "password": "x"}'
    over_limit = '{"username": ' + nested_objects(8) + ', "password": "x"}'

    read = APIClient().post(TOKEN_URL, at_limit, content_type="application/json")
    refused = APIClient().post(TOKEN_URL, over_limit, content_type="application/json")

    assert read.status_code == 400
    assert "nested" not in str(read.json())  # the serializer read it, and says what is wrong
    assert refused.json() == {"detail": "JSON nested more than 8 levels deep is not accepted."}


@pytest.mark.django_db
def test_a_signed_deeply_nested_webhook_body_is_kept_as_rejected_with_the_reason(
    client, webhook_settings
):
    body = ('{"object": "whatsapp_business_account", "entry": ' + nested_lists(DEEP) + "}").encode()

    response = signed_post(client, body)

    assert response.status_code == 400
    assert "nested more than 64 levels" in response.json()["detail"]
    delivery = WebhookDelivery.objects.get()
    assert bytes(delivery.body) == body
    assert (delivery.status, delivery.error) == ("rejected", response.json()["detail"])


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [DEEP, 900], ids=["beyond the decoder", "beyond the encoder"])
def test_the_admin_shows_a_stored_deeply_nested_delivery_as_it_came(client, depth):
    client.force_login(factories.SuperAdminFactory())
    delivery = factories.WebhookDeliveryFactory(body=nested_lists(depth).encode())

    response = client.get(f"/admin/templates_app/webhookdelivery/{delivery.pk}/change/")

    assert response.status_code == 200
    assert f'<pre class="delivery-body">{nested_lists(depth)}</pre>' in response.content.decode()
