"""Category and components changes are signalled and audited like status and quality ones."""

from __future__ import annotations

import pytest

from audit.models import AuditLog
from templates_app.meta import category_update_body, components_update_body
from tests.conftest import PAYLOADS_TEMPLATE_ID, PAYLOADS_WABA_ID
from tests.webhooks import signed_post

pytestmark = pytest.mark.django_db

T0 = 1732435200
NAMED = {"waba_id": PAYLOADS_WABA_ID, "template_id": PAYLOADS_TEMPLATE_ID, "name": "order_update"}


def test_completed_category_change_is_audited_with_a_sentence(
    client, webhook_settings, order_update
):
    body = category_update_body(
        previous_category="UTILITY", new_category="MARKETING", occurred_at=T0, **NAMED
    )

    assert signed_post(client, body).status_code == 200

    entry = AuditLog.objects.get(action="template.category_changed")
    assert entry.changes == {"event": "CATEGORY_CHANGED", "category": ["UTILITY", "MARKETING"]}
    assert entry.reason == "Meta changed the category from UTILITY to MARKETING"
    assert (entry.actor_type, entry.target_id) == ("meta", str(order_update.pk))


def test_announced_category_change_is_audited_once(client, webhook_settings, order_update):
    body = category_update_body(
        new_category="UTILITY",
        correct_category="MARKETING",
        category_change_at=T0 + 86400,
        occurred_at=T0,
        **NAMED,
    )

    signed_post(client, body)
    signed_post(client, {**body, "entry": [{**body["entry"][0], "time": T0 + 1}]})

    entry = AuditLog.objects.get(action="template.category_changed")
    assert entry.changes["event"] == "CATEGORY_CHANGE_ANNOUNCED"
    assert entry.reason.startswith("Meta will change the category from UTILITY to MARKETING on ")


def test_components_change_is_audited_and_the_same_content_again_is_not(
    client, webhook_settings, order_update
):
    body = components_update_body(body="Your order {{1}} has shipped.", occurred_at=T0, **NAMED)

    signed_post(client, body)
    signed_post(client, {**body, "entry": [{**body["entry"][0], "time": T0 + 1}]})

    entries = AuditLog.objects.filter(action="template.components_changed")
    assert entries.count() == 1
    assert entries.get().reason == "Meta updated the template's content"
    assert "Your order {{1}} has shipped." in entries.get().changes["components"][1]
