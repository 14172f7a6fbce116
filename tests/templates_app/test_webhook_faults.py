"""Faults a delivery meets in production: hostile bodies, a dropped connection, a crowd."""

from __future__ import annotations

import json
import random

import pytest
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns.models import Campaign
from templates_app.meta import combine, encode, quality_update_body, status_update_body
from templates_app.models import TemplateStatus, WebhookDelivery, WhatsAppTemplate
from tests import factories
from tests.conftest import PAYLOADS_TEMPLATE_ID, PAYLOADS_WABA_ID
from tests.webhooks import post_concurrently, signed_post

T0 = 1732435200

# --- hostile bodies, well signed ------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
# Values where Meta puts them, but of any type: each field of a change gets a random value.
change_values = st.fixed_dictionaries(
    {},
    optional={
        key: json_values
        | st.sampled_from(["APPROVED", "paused", "RED", "MARKETING", "", "\x00", "9" * 40])
        for key in (
            "event",
            "message_template_id",
            "message_template_name",
            "message_template_language",
            "message_template_category",
            "reason",
            "new_quality_score",
            "previous_quality_score",
            "new_category",
            "correct_category",
            "other_info",
            "disable_info",
            "rejection_info",
            "message_template_buttons",
            "waba_id",
        )
    },
)
fields = st.sampled_from(
    [
        "message_template_status_update",
        "message_template_quality_update",
        "template_category_update",
        "message_template_components_update",
        "template_correct_category_detection",
        "messages",
    ]
)
hostile_bodies = st.fixed_dictionaries(
    {
        "object": st.just("whatsapp_business_account"),
        "entry": st.lists(
            st.fixed_dictionaries(
                {
                    "id": st.sampled_from([PAYLOADS_WABA_ID, "0", 102290129340398, None]),
                    "time": json_values,
                    "changes": st.lists(
                        st.fixed_dictionaries({"field": fields, "value": change_values}),
                        max_size=3,
                    ),
                }
            ),
            max_size=3,
        ),
    }
)


@pytest.mark.django_db
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=hostile_bodies | json_values.map(lambda value: {"object": value}))
def test_a_well_signed_hostile_body_never_gets_a_500(client, webhook_settings, body):
    other = WhatsAppTemplate.objects.filter(name="someone_else").first() or (
        factories.WhatsAppTemplateFactory(name="someone_else", status=TemplateStatus.APPROVED)
    )

    response = signed_post(client, json.dumps(body).encode())

    assert response.status_code in (200, 400), response.content
    assert set(response.json()) <= {
        *("delivery", "status", "detail"),
        *("changes", "campaigns_paused", "alerts_raised"),
    }
    other.refresh_from_db()
    assert other.status == TemplateStatus.APPROVED  # another WABA's template is never touched


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=300))
def test_well_signed_bytes_of_any_kind_never_get_a_500(client, webhook_settings, raw):
    response = signed_post(client, raw)

    assert response.status_code in (200, 400)


# --- a connection that dies mid-delivery (PostgreSQL) ---------------------------------------------


@pytest.fixture
def reaction_killing_its_connection(plug_reaction):
    from templates_app.changes import ChangeKind

    def reaction(changes, context) -> None:
        if any(change.kind == ChangeKind.STATUS for change in changes):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    plug_reaction(reaction)
    return reaction


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_connection_terminated_mid_delivery_commits_nothing_and_reprocessing_applies_once(
    webhook_settings, order_update, reaction_killing_its_connection
):
    named = {
        "waba_id": PAYLOADS_WABA_ID,
        "template_id": PAYLOADS_TEMPLATE_ID,
        "name": "order_update",
    }
    body = encode(
        combine(
            quality_update_body(new_quality="RED", occurred_at=T0, **named),
            status_update_body(event="PAUSED", occurred_at=T0, **named),
        )
    )
    campaign = factories.CampaignFactory(template=order_update, auto_resume=True)

    response = signed_post(Client(), body)

    assert response.status_code == 500
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert "terminat" in delivery.error.lower()
    order_update.refresh_from_db()
    # The whole transaction died with its connection: not even the quality change stayed.
    assert (order_update.status, order_update.quality_score) == (TemplateStatus.APPROVED, "GREEN")

    from tests import reactions

    reactions.plugged.clear()
    from templates_app.services.deliveries import process_delivery

    delivery = process_delivery(delivery=delivery)

    assert delivery.status == WebhookDelivery.Status.PROCESSED
    order_update.refresh_from_db()
    assert (order_update.status, order_update.quality_score) == (TemplateStatus.PAUSED, "RED")
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PAUSED
    assert [attempt["status"] for attempt in delivery.history] == ["failed", "processed"]


# --- a crowd of deliveries (PostgreSQL) -----------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_deliveries_on_five_templates_end_in_the_newest_state(webhook_settings):
    account = factories.BusinessAccountFactory(waba_id=PAYLOADS_WABA_ID)
    number = factories.PhoneNumberFactory(business_account=account)
    templates = [
        factories.WhatsAppTemplateFactory(phone_number=number, name=f"crowd_{n}") for n in range(5)
    ]
    for template in templates:
        factories.CampaignFactory.create_batch(3, template=template, auto_resume=True)
    rng = random.Random(7)
    bodies, newest = [], {}
    for n in range(50):
        # Each delivery touches two templates, in a random order, with its own event time.
        touched = rng.sample(templates, 2)
        events = []
        for template in touched:
            event = rng.choice(["PAUSED", "REINSTATED", "DISABLED", "FLAGGED"])
            moment = T0 + n * 10 + touched.index(template)
            events.append(
                status_update_body(
                    waba_id=PAYLOADS_WABA_ID,
                    event=event,
                    template_id=template.meta_template_id,
                    name=template.name,
                    occurred_at=moment,
                )
            )
            newest[template.pk] = max(newest.get(template.pk, (0, "")), (moment, event))
        bodies.append(encode(combine(*events)))
    rng.shuffle(bodies)

    responses = post_concurrently(bodies)

    assert [response.status_code for response in responses] == [200] * 50
    status_of_event = {"PAUSED": "PAUSED", "REINSTATED": "APPROVED", "DISABLED": "DISABLED"}
    status_of_event["FLAGGED"] = "FLAGGED"
    for template in templates:
        template.refresh_from_db()
        assert template.status == status_of_event[newest[template.pk][1]], template.name
        paused = Campaign.objects.filter(template=template, status=Campaign.Status.PAUSED)
        # Blocked: its three campaigns paused; sendable again: all three resumed by themselves.
        assert paused.count() == (3 if template.status in ("PAUSED", "DISABLED") else 0)
