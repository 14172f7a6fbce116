"""A change that fails is rolled back alone; its delivery is kept as failed and applied later."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditLog
from live.models import LiveMessage
from organizations.models import Organization
from templates_app.meta import combine, encode, quality_update_body, status_update_body
from templates_app.models import QualityScore, TemplateStatus, WebhookDelivery, WhatsAppTemplate
from tests import factories
from tests.conftest import PAYLOADS_TEMPLATE_ID, PAYLOADS_WABA_ID
from tests.webhooks import payload_bytes, signed_post

pytestmark = pytest.mark.django_db

T0 = 1732435200
DELIVERIES_ADMIN = "/admin/templates_app/webhookdelivery/"


def reloaded(instance):
    instance.refresh_from_db()
    return instance


@pytest.fixture
def failed_delivery(client, webhook_settings, order_update, failing_status_reaction):
    """status_paused.json, posted while a status reaction raises."""
    response = signed_post(client, payload_bytes("status_paused.json"))
    assert response.status_code == 500
    return WebhookDelivery.objects.get()


def reprocess(*args: str) -> str:
    out = StringIO()
    call_command("reprocess_webhooks", *args, stdout=out)
    return out.getvalue()


# --- one savepoint per change --------------------------------------------------------------------


def test_failing_reaction_rolls_back_only_its_own_change(
    client, webhook_settings, meta_number, failing_status_reaction
):
    # Found by name, the template learns its id; its quality changes; then the status reaction
    # raises. The quality change stays; the status change is undone and kept for retry.
    template = factories.WhatsAppTemplateFactory(
        phone_number=meta_number, name="order_update", meta_template_id=None
    )
    quality = quality_update_body(
        waba_id=PAYLOADS_WABA_ID,
        new_quality="RED",
        template_id=PAYLOADS_TEMPLATE_ID,
        name="order_update",
        occurred_at=T0,
    )
    paused = status_update_body(
        waba_id=PAYLOADS_WABA_ID,
        event="PAUSED",
        template_id=PAYLOADS_TEMPLATE_ID,
        name="order_update",
        occurred_at=T0,
    )
    body = encode(combine(quality, paused))

    response = signed_post(client, body)

    # Once with the delivery's changes together; when it raised, all was rolled back and run
    # again, each change in its own savepoint, so that the quality change could stay.
    assert failing_status_reaction.calls == 2
    assert response.status_code == 500
    delivery = WebhookDelivery.objects.get()
    assert response.json() == {
        "detail": f"Delivery {delivery.pk} could not be processed; it is kept for retry."
    }
    template = reloaded(template)
    assert template.status == TemplateStatus.APPROVED
    assert template.status_event_at is None
    assert template.quality_score == QualityScore.RED
    assert template.meta_template_id == PAYLOADS_TEMPLATE_ID
    assert [(o["result"], o["detail"]) for o in delivery.outcomes] == [
        ("applied", "quality GREEN → RED"),
        ("failed", "RuntimeError: status reaction exploded"),
    ]
    assert delivery.status == WebhookDelivery.Status.FAILED


def test_a_failed_change_leaves_no_audit_entry_or_live_message_behind(
    client, webhook_settings, order_update, failing_status_reaction
):
    # The audit and live reactions ran for the status change before the failing one raised:
    # what they held back for the delivery's INSERTs goes with the change.
    named = {
        "waba_id": PAYLOADS_WABA_ID,
        "template_id": order_update.meta_template_id,
        "name": "order_update",
    }
    quality = quality_update_body(new_quality="YELLOW", occurred_at=T0, **named)
    paused = status_update_body(event="PAUSED", occurred_at=T0, **named)

    assert signed_post(client, encode(combine(quality, paused))).status_code == 500

    assert list(AuditLog.objects.values_list("action", flat=True)) == ["template.quality_changed"]
    assert sorted(LiveMessage.objects.values_list("type", flat=True)) == [
        "alert.created",
        "template.quality_changed",
    ]


def test_reprocess_applies_only_the_change_that_failed(
    client, webhook_settings, meta_number, failing_status_reaction, change_log
):
    template = factories.WhatsAppTemplateFactory(phone_number=meta_number, name="order_update")
    named = {
        "waba_id": PAYLOADS_WABA_ID,
        "template_id": template.meta_template_id,
        "name": "order_update",
    }
    quality = quality_update_body(new_quality="RED", occurred_at=T0, **named)
    paused = status_update_body(event="PAUSED", occurred_at=T0, **named)
    assert signed_post(client, encode(combine(quality, paused))).status_code == 500
    failing_status_reaction.armed = False
    quality_signals = len(change_log.quality)

    reprocess("--failed")

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert [o["result"] for o in delivery.outcomes] == ["applied", "applied"]
    assert len(change_log.quality) == quality_signals  # the quality change was not applied again
    assert [
        [(o["position"], o["result"]) for o in attempt["outcomes"]] for attempt in delivery.history
    ] == [
        [("entry[0].changes[0]", "applied"), ("entry[1].changes[0]", "failed")],
        [("entry[1].changes[0]", "applied")],
    ]
    template = reloaded(template)
    assert (template.status, template.quality_score) == (TemplateStatus.PAUSED, "RED")


def test_failed_delivery_is_kept_with_its_error(failed_delivery):
    delivery = failed_delivery

    assert delivery.status == WebhookDelivery.Status.FAILED
    assert "RuntimeError: status reaction exploded" in delivery.error
    assert "Traceback" in delivery.error
    assert delivery.attempts == 1
    assert delivery.processed_at is not None
    assert bytes(delivery.body) == payload_bytes("status_paused.json")
    assert [(o["result"], o["detail"]) for o in delivery.outcomes] == [
        ("failed", "RuntimeError: status reaction exploded")
    ]
    assert [(a["attempt"], a["status"]) for a in delivery.history] == [(1, "failed")]


def test_failed_delivery_fails_again_while_the_reaction_still_raises(
    client, failed_delivery, order_update
):
    response = signed_post(client, payload_bytes("status_paused.json"))

    assert response.status_code == 500
    delivery = reloaded(failed_delivery)
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.attempts == 2
    assert reloaded(order_update).status == TemplateStatus.APPROVED


def test_failure_of_one_delivery_does_not_undo_an_earlier_one(
    client, webhook_settings, order_update, failing_status_reaction
):
    failing_status_reaction.armed = False
    assert signed_post(client, payload_bytes("quality_update.json")).status_code == 200
    failing_status_reaction.armed = True

    assert signed_post(client, payload_bytes("status_paused.json")).status_code == 500

    template = reloaded(order_update)
    assert (template.status, template.quality_score) == (TemplateStatus.APPROVED, "YELLOW")


# --- reprocess_webhooks ---------------------------------------------------------------------------


def test_reprocess_command_applies_a_failed_delivery_once_the_reaction_is_fixed(
    failed_delivery, failing_status_reaction, order_update
):
    failing_status_reaction.armed = False

    output = reprocess()

    delivery = reloaded(failed_delivery)
    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert delivery.attempts == 2
    assert delivery.error == ""
    assert [o["result"] for o in delivery.outcomes] == ["applied"]
    template = reloaded(order_update)
    assert template.status == TemplateStatus.PAUSED
    assert template.paused_title == "FIRST_PAUSE"
    assert f"delivery {delivery.pk}: processed" in output


def test_reprocess_command_applies_a_delivery_never_processed(webhook_settings, order_update):
    delivery = factories.WebhookDeliveryFactory(body=payload_bytes("status_flagged.json"))
    assert delivery.status == WebhookDelivery.Status.RECEIVED

    reprocess()

    assert reloaded(delivery).status == WebhookDelivery.Status.PROCESSED
    assert reloaded(order_update).status == TemplateStatus.FLAGGED


def test_reprocess_command_leaves_processed_deliveries_alone(
    client, webhook_settings, order_update, change_log
):
    signed_post(client, payload_bytes("status_paused.json"))

    output = reprocess()

    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 1
    assert len(change_log.status) == 1
    assert "Reprocessed: nothing." in output


def test_reprocess_command_with_failed_option_skips_received_deliveries(
    failed_delivery, failing_status_reaction, order_update
):
    received = factories.WebhookDeliveryFactory(body=payload_bytes("quality_update.json"))
    failing_status_reaction.armed = False

    reprocess("--failed")

    assert reloaded(failed_delivery).status == WebhookDelivery.Status.PROCESSED
    assert reloaded(received).status == WebhookDelivery.Status.RECEIVED
    template = reloaded(order_update)
    assert (template.status, template.quality_score) == (TemplateStatus.PAUSED, "GREEN")


def test_reprocess_command_with_id_applies_only_that_delivery(
    client, failed_delivery, failing_status_reaction, order_update
):
    other = factories.WebhookDeliveryFactory(body=payload_bytes("quality_update.json"))
    failing_status_reaction.armed = False

    reprocess("--id", str(failed_delivery.pk))

    assert reloaded(failed_delivery).status == WebhookDelivery.Status.PROCESSED
    assert reloaded(other).status == WebhookDelivery.Status.RECEIVED
    assert reloaded(order_update).status == TemplateStatus.PAUSED


def test_reprocess_command_with_id_runs_even_a_processed_delivery_again(
    client, webhook_settings, order_update
):
    signed_post(client, payload_bytes("status_paused.json"))
    delivery = WebhookDelivery.objects.get()

    reprocess("--id", str(delivery.pk))

    delivery = reloaded(delivery)
    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert delivery.attempts == 2
    # Applied once already: the same event again changes nothing.
    assert [o["result"] for o in delivery.outcomes] == ["unchanged"]


def test_reprocess_command_with_an_unknown_id_is_an_error(db):
    with pytest.raises(CommandError, match="No delivery with id 999"):
        reprocess("--id", "999")


def test_reprocess_command_reports_a_delivery_that_fails_again(failed_delivery, order_update):
    with pytest.raises(CommandError, match="failed again"):
        reprocess()

    delivery = reloaded(failed_delivery)
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.attempts == 2
    assert reloaded(order_update).status == TemplateStatus.APPROVED


# --- the admin's reprocess action -----------------------------------------------------------------


def run_admin_reprocess(client, user, *deliveries: WebhookDelivery):
    client.force_login(user)
    return client.post(
        DELIVERIES_ADMIN,
        {"action": "reprocess", "_selected_action": [d.pk for d in deliveries]},
        follow=True,
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_admin_reprocess_action_applies_a_failed_delivery(
    client, super_admin, failed_delivery, failing_status_reaction, order_update
):
    failing_status_reaction.armed = False

    response = run_admin_reprocess(client, super_admin, failed_delivery)

    assert response.status_code == 200
    assert response.redirect_chain[0][1] == 302
    assert messages_of(response) == ["Reprocessed 1 deliveries, 0 failed."]
    delivery = reloaded(failed_delivery)
    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert delivery.attempts == 2
    assert reloaded(order_update).status == TemplateStatus.PAUSED


def test_admin_reprocess_action_reports_a_delivery_that_fails_again(
    client, super_admin, failed_delivery, order_update
):
    response = run_admin_reprocess(client, super_admin, failed_delivery)

    assert messages_of(response) == ["Reprocessed 1 deliveries, 1 failed."]
    assert reloaded(failed_delivery).attempts == 2
    assert reloaded(order_update).status == TemplateStatus.APPROVED


def test_admin_reprocess_action_runs_a_processed_delivery_again(
    client, super_admin, webhook_settings, order_update
):
    signed_post(client, payload_bytes("status_paused.json"))
    delivery = WebhookDelivery.objects.get()

    response = run_admin_reprocess(client, super_admin, delivery)

    assert messages_of(response) == ["Reprocessed 1 deliveries, 0 failed."]
    delivery = reloaded(delivery)
    assert delivery.attempts == 2
    assert [o["result"] for o in delivery.outcomes] == ["unchanged"]


def test_admin_reprocess_action_is_refused_to_staff_who_are_not_superusers(
    client, organization, failed_delivery, failing_status_reaction, order_update
):
    staff = factories.OrgAdminFactory(organization=organization, is_staff=True)
    failing_status_reaction.armed = False

    client.force_login(staff)
    response = client.post(
        DELIVERIES_ADMIN, {"action": "reprocess", "_selected_action": [failed_delivery.pk]}
    )

    assert response.status_code == 403
    assert reloaded(failed_delivery).status == WebhookDelivery.Status.FAILED
    assert WhatsAppTemplate.objects.get(pk=order_update.pk).status == TemplateStatus.APPROVED


# --- a database error inside one change -----------------------------------------------------------


@pytest.fixture
def reaction_breaking_a_constraint(organization, plug_reaction):
    """A reaction whose write on a status change violates a unique constraint, as a buggy one
    might."""
    from templates_app.changes import ChangeKind

    def reaction(changes, context) -> None:
        if any(change.kind == ChangeKind.STATUS for change in changes):
            Organization.objects.create(name="Copy", slug=organization.slug)

    plug_reaction(reaction)


def test_database_error_in_one_change_leaves_the_transaction_usable_for_the_rest(
    client, webhook_settings, order_update, reaction_breaking_a_constraint
):
    # On PostgreSQL an error aborts the whole transaction unless its savepoint is rolled back:
    # the changes after the failing one, and the delivery row itself, prove it was.
    named = {
        "waba_id": PAYLOADS_WABA_ID,
        "template_id": PAYLOADS_TEMPLATE_ID,
        "name": "order_update",
        "occurred_at": T0,
    }
    body = encode(
        combine(
            quality_update_body(new_quality="YELLOW", **named),
            status_update_body(event="PAUSED", **named),
            quality_update_body(new_quality="RED", **{**named, "occurred_at": T0 + 60}),
        )
    )

    response = signed_post(client, body)

    assert response.status_code == 500
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert [o["result"] for o in delivery.outcomes] == ["applied", "failed", "applied"]
    assert delivery.outcomes[1]["detail"].startswith("IntegrityError")
    assert "IntegrityError" in delivery.error
    template = reloaded(order_update)
    assert (template.status, template.quality_score) == (TemplateStatus.APPROVED, "RED")


def test_delivery_page_shows_every_attempt_and_where_each_change_stands(
    client, super_admin, failed_delivery, failing_status_reaction
):
    failing_status_reaction.armed = False
    reprocess()

    client.force_login(super_admin)
    page = client.get(f"{DELIVERIES_ADMIN}{failed_delivery.pk}/change/").content.decode()

    assert "Attempt 1 at" in page
    assert "Attempt 2 at" in page
    assert page.count("RuntimeError: status reaction exploded") >= 1
    assert "status APPROVED → PAUSED" in page
