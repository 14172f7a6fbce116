"""Alerts reach the organization's sockets as they open, repeat, are acknowledged and resolve."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from rest_framework.test import APIClient

from alerts.models import Alert
from tests import factories
from tests.organizations.conftest import connect_as, post_webhook
from tests.webhooks import template_status_body as status_body

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("webhook_settings"),
]

T0 = 1_795_000_000


@pytest.fixture
def template():
    return factories.WhatsAppTemplateFactory(name="spring_sale", language="en_US")


@pytest.fixture
def org_admin(template):
    return factories.OrgAdminFactory(organization=template.organization)


async def next_of_type(socket, message_type: str) -> dict:
    """The next frame of `message_type`, skipping the template and campaign messages between."""
    for _ in range(10):
        message = await socket.receive_json_from()
        if message["type"] == message_type:
            return message
    raise AssertionError(f"no {message_type} message")


async def test_alert_lifecycle_is_pushed_live(live, template, org_admin):
    socket, _hello = await connect_as(live, org_admin)

    await post_webhook(status_body(template, "PAUSED", T0))
    created = await next_of_type(socket, "alert.created")
    alert = await sync_to_async(Alert.objects.get)()
    assert created["alert_id"] == str(alert.pk)
    assert created["template_id"] == str(template.pk)
    assert (created["kind"], created["severity"], created["status"]) == (
        "TEMPLATE_PAUSED",
        "WARNING",
        "OPEN",
    )
    assert created["title"].startswith("Template spring_sale (en_US)")

    # LOCKED is the same kind of trouble: the open alert counts it.
    await post_webhook(status_body(template, "LOCKED", T0 + 60))
    updated = await next_of_type(socket, "alert.updated")
    assert (updated["alert_id"], updated["occurrences"]) == (str(alert.pk), 2)

    client = APIClient()
    await sync_to_async(client.force_authenticate)(org_admin)
    response = await sync_to_async(client.post)(f"/api/v1/alerts/{alert.pk}/acknowledge")
    assert response.status_code == 200
    acknowledged = await next_of_type(socket, "alert.acknowledged")
    assert (acknowledged["alert_id"], acknowledged["status"]) == (str(alert.pk), "ACKNOWLEDGED")
    assert acknowledged["acknowledged_at"] is not None

    await post_webhook(status_body(template, "REINSTATED", T0 + 120))
    resolved = await next_of_type(socket, "alert.resolved")
    assert (resolved["alert_id"], resolved["status"]) == (str(alert.pk), "RESOLVED")
    assert resolved["resolution"] == "Reinstated by Meta"
