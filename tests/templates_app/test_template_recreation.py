"""A name Meta frees when it deletes a template can come back under a new Meta id."""

import pytest

from templates_app.meta import status_update_body
from templates_app.models import TemplateStatus, WebhookDelivery, WhatsAppTemplate
from tests.factories import WhatsAppTemplateFactory
from tests.webhooks import signed_post

pytestmark = pytest.mark.django_db


def _approved(template: WhatsAppTemplate, *, meta_template_id: str) -> dict:
    return status_update_body(
        waba_id=template.business_account.waba_id,
        event="APPROVED",
        template_id=meta_template_id,
        name=template.name,
        language=template.language,
        occurred_at=1732435200,
    )


def test_approved_event_for_a_new_id_retires_the_deleted_template_of_that_name(
    client, webhook_settings
):
    old = WhatsAppTemplateFactory(meta_template_id="111", status=TemplateStatus.DELETED)

    response = signed_post(client, _approved(old, meta_template_id="222"))

    assert response.status_code == 200
    old.refresh_from_db()
    assert old.deleted_at is not None
    new = WhatsAppTemplate.objects.get(meta_template_id="222")
    assert (new.name, new.language, new.status) == (old.name, old.language, "APPROVED")


def test_approved_event_for_a_new_id_does_not_replace_a_live_template_of_that_name(
    client, webhook_settings
):
    live = WhatsAppTemplateFactory(meta_template_id="111", status=TemplateStatus.PAUSED)

    response = signed_post(client, _approved(live, meta_template_id="222"))

    assert response.status_code == 200
    assert response.json()["status"] == WebhookDelivery.Status.IGNORED
    live.refresh_from_db()
    assert (live.status, live.deleted_at) == (TemplateStatus.PAUSED, None)
    assert not WhatsAppTemplate.objects.filter(meta_template_id="222").exists()
    outcome = WebhookDelivery.objects.get().outcomes[0]
    assert outcome["detail"].startswith("unknown template")


def test_meta_id_claimed_in_another_business_account_never_blocks_the_owner(
    client, webhook_settings
):
    # Another organization registered a template under this id in its own account: the
    # webhook's WABA decides whose template the id names.
    elsewhere = WhatsAppTemplateFactory(meta_template_id="333", status=TemplateStatus.APPROVED)
    ours = WhatsAppTemplateFactory(name="ours")
    body = status_update_body(
        waba_id=ours.business_account.waba_id,
        event="APPROVED",
        template_id="333",
        name="brand_new",
        occurred_at=1732435200,
    )

    response = signed_post(client, body)

    assert response.status_code == 200
    assert response.json()["status"] == WebhookDelivery.Status.PROCESSED
    learned = WhatsAppTemplate.objects.get(name="brand_new")
    assert (learned.business_account, learned.meta_template_id, learned.status) == (
        ours.business_account,
        "333",
        TemplateStatus.APPROVED,
    )
    elsewhere.refresh_from_db()
    assert (elsewhere.name, elsewhere.status) != ("brand_new", None)
    assert elsewhere.business_account != ours.business_account
