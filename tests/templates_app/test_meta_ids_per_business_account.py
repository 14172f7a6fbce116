"""Meta's template ids belong to a business account: the webhook's WABA decides."""

from __future__ import annotations

import pytest

from templates_app.meta import status_update_body
from templates_app.models import TemplateStatus, WebhookDelivery
from tests import factories
from tests.webhooks import signed_post

pytestmark = pytest.mark.django_db

T0 = 1732435200


def test_another_organizations_claim_to_an_id_never_blocks_the_real_owner(
    client, webhook_settings, admin_client, phone_number, other_phone_number
):
    # Organization A submitted `spring_sale` through PyTake; Meta has numbered it 777.
    ours = factories.WhatsAppTemplateFactory(
        phone_number=phone_number,
        name="spring_sale",
        meta_template_id=None,
        status=TemplateStatus.PENDING,
    )
    # Organization B registers a template of its own under A's Meta id.
    squatter = factories.WhatsAppTemplateFactory(
        phone_number=other_phone_number, meta_template_id="777"
    )

    body = status_update_body(
        waba_id=phone_number.business_account.waba_id,
        event="APPROVED",
        template_id="777",
        name="spring_sale",
        occurred_at=T0,
    )
    response = signed_post(client, body)

    assert response.status_code == 200
    assert response.json()["status"] == WebhookDelivery.Status.PROCESSED
    ours.refresh_from_db()
    assert (ours.meta_template_id, ours.status) == ("777", TemplateStatus.APPROVED)
    squatter.refresh_from_db()
    assert (squatter.meta_template_id, squatter.status) == ("777", TemplateStatus.APPROVED)
    assert squatter.status_event_at is None


def test_an_event_for_one_account_never_touches_the_same_id_in_another(
    client, webhook_settings, phone_number, other_phone_number
):
    ours = factories.WhatsAppTemplateFactory(phone_number=phone_number, meta_template_id="888")
    theirs = factories.WhatsAppTemplateFactory(
        phone_number=other_phone_number, meta_template_id="888"
    )

    body = status_update_body(
        waba_id=other_phone_number.business_account.waba_id,
        event="PAUSED",
        template_id="888",
        name=theirs.name,
        occurred_at=T0,
    )
    assert signed_post(client, body).status_code == 200

    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert (ours.status, theirs.status) == (TemplateStatus.APPROVED, TemplateStatus.PAUSED)
