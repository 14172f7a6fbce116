"""What one delivery costs the database, in round trips, whatever it changes.

Meta sends bursts: every statement of the webhook is paid thousands of times a minute. The
budgets below are the statements a delivery sends (BEGIN and COMMIT aside); the rows each test
finds afterwards show the work was all done.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditLog
from campaigns.models import Campaign
from live.models import LiveMessage
from templates_app.meta import combine, encode
from templates_app.models import WebhookDelivery
from tests import factories
from tests.webhooks import signed_post, template_quality_body, template_status_body

# Real transactions, so that a delivery's own BEGIN and COMMIT are not savepoints of the test's.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("webhook_settings")]

T0 = 1_800_000_000

# In one transaction: INSERT … ON CONFLICT DO NOTHING RETURNING the delivery (the new row is
# its lock); lock the templates it names with their business accounts; UPDATE the template;
# UPDATE the delivery with its outcome (and what its reactions did, the answer's counts).
CHANGES_ONLY_ITS_TEMPLATE = 4
# INSERT that finds the copy, and a read of it (without its body).
REDELIVERY = 2
# The delivery's INSERT, the templates' lock, the template's UPDATE; the pause kept for Meta's
# ladder; the campaigns with a usable fallback switched and the others paused, one UPDATE each,
# how many the template holds; its open alerts looked up, the new one inserted; one INSERT of
# audit entries, one of live messages; the delivery's outcome.
PAUSE_WITH_CAMPAIGNS_AND_ALERT = 12
# The test's immediate task backend notifies after commit: the alert read, and its channels.
NOTIFICATION_READS = 2


def statements(queries: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].split()[0] not in ("BEGIN", "COMMIT")
    ]


def committed(queries: CaptureQueriesContext) -> list[str]:
    """The statements of the delivery's own transaction, up to its COMMIT (what runs after it,
    a notification task the test's backend runs at once, is not the delivery's)."""
    sql = [query["sql"] for query in queries.captured_queries]
    end = next((n for n, text in enumerate(sql) if text.split()[0] == "COMMIT"), len(sql))
    return [text[:120] for text in sql[:end] if text.split()[0] not in ("BEGIN", "COMMIT")]


def post_in_transaction(client, body: bytes) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = signed_post(client, body)
    assert response.status_code == 200, response.content
    return response.json()["delivery"], committed(queries)


def post_counted(client, body: bytes) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = signed_post(client, body)
    assert response.status_code == 200, response.content
    return response.json()["delivery"], statements(queries)


def test_news_that_changes_only_the_template_costs_four_statements(client, order_update):
    # APPROVED again, newer: the template records when; nobody else has anything to do.
    body = encode(template_status_body(order_update, "APPROVED", occurred_at=T0))

    delivery_id, sent = post_counted(client, body)

    assert len(sent) == CHANGES_ONLY_ITS_TEMPLATE, "\n".join(sent)
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert [o["result"] for o in delivery.outcomes] == ["unchanged"]
    order_update.refresh_from_db()
    assert order_update.status_event_at.timestamp() == T0


def test_a_redelivery_costs_two_statements_and_changes_nothing(client, order_update):
    body = encode(template_status_body(order_update, "PAUSED", occurred_at=T0))
    first, _ = post_counted(client, body)
    entries = AuditLog.objects.count()

    again, sent = post_counted(client, body)

    assert again == first
    assert len(sent) == REDELIVERY, "\n".join(sent)
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 1
    assert AuditLog.objects.count() == entries


def test_a_pause_that_sets_everything_off_stays_within_its_budget(client, order_update):
    # The template is paused, its two campaigns with it, an alert is raised: audited, and told
    # to the organization's browsers (PAUSE_WITH_CAMPAIGNS_AND_ALERT). After commit the alert's
    # notification (run at once by the test's task backend) reads the alert and the channels.
    factories.CampaignFactory.create_batch(2, template=order_update)
    body = encode(template_status_body(order_update, "PAUSED", occurred_at=T0))

    _, sent = post_counted(client, body)

    assert len(sent) <= PAUSE_WITH_CAMPAIGNS_AND_ALERT + NOTIFICATION_READS, "\n".join(sent)
    paused = Campaign.objects.filter(template=order_update, status=Campaign.Status.PAUSED)
    assert paused.count() == 2
    assert sorted(AuditLog.objects.values_list("action", flat=True)) == [
        "campaign.paused",
        "campaign.paused",
        "template.status_changed",
    ]
    assert sorted(LiveMessage.objects.values_list("type", flat=True)) == [
        "alert.created",
        "campaigns.paused",
        "template.status_changed",
    ]


def test_many_changes_cost_the_statements_of_one(client, meta_number):
    # Twenty templates fall to RED in one delivery: the templates written in one UPDATE, their
    # open alerts looked up in one SELECT and the new ones inserted in one INSERT, the audit
    # entries and live messages of all twenty in one INSERT per table, one notification task.
    templates = factories.WhatsAppTemplateFactory.create_batch(20, phone_number=meta_number)
    bodies = [template_quality_body(t, "RED", occurred_at=T0) for t in templates]
    body = encode(combine(*bodies))

    delivery_id, sent = post_in_transaction(client, body)

    assert len(sent) <= 9, "\n".join(sent)
    assert WebhookDelivery.objects.get(pk=delivery_id).status == "processed"
    assert AuditLog.objects.filter(action="template.quality_changed").count() == 20
    assert LiveMessage.objects.filter(type="template.quality_changed").count() == 20
    assert LiveMessage.objects.filter(type="alert.created").count() == 20


def test_pauses_resumes_and_alerts_of_many_templates_stay_within_a_fixed_budget(
    client, meta_number
):
    # Forty templates with three campaigns each, five changes apiece in one delivery: paused,
    # RED, reinstated, GREEN, paused again. Campaigns move in one UPDATE per template's k-th
    # move (three), alerts are raised, escalated and resolved in one SELECT, one INSERT and
    # one UPDATE; however many the templates, the statements stay the same.
    templates = factories.WhatsAppTemplateFactory.create_batch(40, phone_number=meta_number)
    for template in templates:
        factories.campaigns_in_bulk(template, 3, auto_resume=True)
    steps = [("status", "PAUSED"), ("quality", "RED"), ("status", "REINSTATED")]
    steps += [("quality", "GREEN"), ("status", "PAUSED")]
    bodies = []
    for n, (kind, value) in enumerate(steps):
        for template in templates:
            body = template_status_body if kind == "status" else template_quality_body
            bodies.append(body(template, value, occurred_at=T0 + n))

    delivery_id, sent = post_in_transaction(client, encode(combine(*bodies)))

    assert len(sent) <= 30, "\n".join(sent)
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert [o["result"] for o in delivery.outcomes] == ["applied"] * 200
    assert Campaign.objects.filter(status=Campaign.Status.PAUSED).count() == 120
    assert AuditLog.objects.filter(action="campaign.paused").count() == 240
    assert AuditLog.objects.filter(action="campaign.resumed").count() == 120
