"""On PostgreSQL, a template's block pauses 10,000 campaigns with one UPDATE."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditLog
from campaigns.models import Campaign
from tests import factories
from tests.meta_events import apply, status_update

CAMPAIGNS = 10_000


def statements_on(queries: CaptureQueriesContext, verb: str, table: str) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith(verb) and f'"{table}"' in q["sql"].split("(")[0].split("SET")[0]
    ]


@pytest.mark.postgres
@pytest.mark.django_db
def test_blocked_template_pauses_10000_campaigns_with_one_pause_update_and_one_audit_insert(
    phone_number,
):
    template = factories.WhatsAppTemplateFactory(phone_number=phone_number)
    factories.campaigns_in_bulk(
        template, CAMPAIGNS, statuses=(Campaign.Status.ACTIVE, Campaign.Status.SCHEDULED)
    )
    paused = status_update(template, "PAUSED")

    with CaptureQueriesContext(connection) as queries:
        apply(paused)

    campaign_updates = statements_on(queries, "UPDATE", "campaigns_campaign")
    audit_inserts = statements_on(queries, "INSERT INTO", "audit_auditlog")
    # The switch of those with a usable fallback (none here), then the pause of the rest.
    assert len(campaign_updates) <= 2
    # The 10,000 campaigns' entries and the template's own, together.
    assert len(audit_inserts) <= 1
    # Among them the count of campaigns held, the two live messages (template, campaigns) in
    # one INSERT and the alert the event raises: a few statements, whatever the number of
    # campaigns.
    assert len(queries.captured_queries) <= 17
    assert Campaign.objects.filter(status=Campaign.Status.PAUSED).count() == CAMPAIGNS
    assert AuditLog.objects.filter(action="campaign.paused").count() == CAMPAIGNS
