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
from organizations.models import LiveMessage
from templates_app.meta import combine, encode
from templates_app.models import WebhookDelivery
from tests import factories
from tests.webhooks import signed_post, template_quality_body, template_status_body

# Real transactions, so that a delivery's own BEGIN and COMMIT are not savepoints of the test's.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("webhook_settings")]

T0 = 1_800_000_000

# The answer's counts, once a change was applied: the campaigns it paused and the alerts it
# raised, read in one statement after the commit.
ANSWER_COUNTS = 1
# In one transaction: INSERT … ON CONFLICT DO NOTHING RETURNING the delivery (the new row is
# its lock); lock the templates it names with their business accounts; UPDATE the template;
# UPDATE the delivery with its outcome. Nothing was applied: the answer counts nothing.
CHANGES_ONLY_ITS_TEMPLATE = 4
# INSERT that finds the copy, and a read of it (without its body); its counts again.
REDELIVERY = 2 + ANSWER_COUNTS
PAUSE_WITH_CAMPAIGNS_AND_ALERT = 10 + ANSWER_COUNTS
# The test's immediate task backend notifies after commit: the alert read, and its channels.
NOTIFICATION_READS = 2


def statements(queries: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].split()[0] not in ("BEGIN", "COMMIT")
    ]


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
    # to the organization's browsers. In the transaction: the delivery's INSERT, the templates'
    # lock, the template's UPDATE; the campaigns locked and named, then their UPDATE; the count
    # of campaigns held for the alert's title; the alert's INSERT; one INSERT of live messages,
    # one of audit entries; the delivery's outcome. After commit the alert's notification (run
    # at once by the test's task backend) reads the alert and the channels.
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


def test_the_entries_and_messages_of_many_changes_are_written_together(client, meta_number):
    # Twenty templates fall to RED in one delivery. Each change: the template's UPDATE, the new
    # alert's INSERT (no savepoint: none fails), the open YELLOW alert it would escalate looked
    # up; after commit its notification (run at once by the test's task backend) reads the alert
    # and the channels. The audit entries and live messages of all twenty go in one INSERT per
    # table.
    templates = factories.WhatsAppTemplateFactory.create_batch(20, phone_number=meta_number)
    bodies = [template_quality_body(t, "RED", occurred_at=T0) for t in templates]
    body = encode(combine(*bodies))

    delivery_id, sent = post_counted(client, body)

    per_change = 3 + NOTIFICATION_READS
    # The delivery stored, the templates; two INSERTs; the outcome; the answer's counts.
    fixed = 2 + 2 + 1 + ANSWER_COUNTS
    assert len(sent) <= fixed + per_change * len(templates), len(sent)
    assert WebhookDelivery.objects.get(pk=delivery_id).status == "processed"
    assert AuditLog.objects.filter(action="template.quality_changed").count() == 20
    assert LiveMessage.objects.filter(type="template.quality_changed").count() == 20
    assert LiveMessage.objects.filter(type="alert.created").count() == 20
