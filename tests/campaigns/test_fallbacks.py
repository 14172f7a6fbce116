"""Fallback templates: who may stand in, the switch when Meta blocks, the switch back."""

from __future__ import annotations

import math

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from alerts.models import Alert
from audit.models import AuditLog
from campaigns.models import Campaign, CampaignFallback
from live.models import LiveMessage
from templates_app.changes import react_to_template_changes
from templates_app.models import TemplateStatus, WhatsAppTemplate
from tests import factories
from tests.meta_events import status_change
from tests.webhooks import signed_post, template_status_body

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_settings")]

T0 = 1_795_000_000
COMPONENTS = {
    "title": "Spring sale",
    "body": "Hi {{1}}, {{2}} off everything until Sunday.",
    "footer": "Reply STOP to opt out",
    "buttons": [{"type": "QUICK_REPLY", "text": "Stop promotions"}],
}


def make_template(phone_number, name: str, **overrides):
    values = {"category": "MARKETING", "language": "en_US", "components": COMPONENTS}
    return factories.WhatsAppTemplateFactory(
        phone_number=phone_number, name=name, **{**values, **overrides}
    )


@pytest.fixture
def spring_sale(phone_number):
    return make_template(phone_number, "spring_sale")


@pytest.fixture
def v2(phone_number):
    return make_template(phone_number, "spring_sale_v2")


@pytest.fixture
def v3(phone_number):
    return make_template(phone_number, "spring_sale_v3")


@pytest.fixture
def campaign(spring_sale):
    return factories.CampaignFactory(template=spring_sale, name="Spring push")


def put_fallbacks(api_client, campaign, templates, *, switch_back: bool = False):
    return api_client.put(
        f"/api/v1/campaigns/{campaign.pk}/fallbacks",
        {"templates": [str(t.pk) for t in templates], "switch_back": switch_back},
        format="json",
    )


def deliver(client, template, event: str, *, at: int = T0, **extra) -> None:
    body = template_status_body(template, event, occurred_at=at, **extra)
    assert signed_post(client, body).status_code == 200


def test_compatible_fallbacks_are_kept_in_order(admin_client, campaign, v2, v3):
    response = put_fallbacks(admin_client, campaign, [v3, v2], switch_back=True)

    assert response.status_code == 200
    assert response.json()["fallback_templates"] == [str(v3.pk), str(v2.pk)]
    assert response.json()["switch_back"] is True
    assert AuditLog.objects.filter(action="campaign.fallbacks_set").count() == 1


@pytest.mark.parametrize(
    ("overrides", "detail"),
    [
        (
            {"language": "es_ES"},
            "spring_sale_v2 (es_ES) is in another language: es_ES, not en_US.",
        ),
        (
            {"category": "UTILITY"},
            "spring_sale_v2 (en_US) is of another category: UTILITY, not MARKETING.",
        ),
        (
            {"components": {**COMPONENTS, "body": "Hi {{1}}, sale on."}},
            "spring_sale_v2 (en_US) takes 1 body parameter(s); spring_sale takes 2.",
        ),
        (
            {"components": {**COMPONENTS, "title": ""}},
            "spring_sale_v2 (en_US) has another header format: NONE, not TEXT.",
        ),
        (
            {"components": {**COMPONENTS, "buttons": [{"type": "URL", "text": "Shop"}]}},
            "spring_sale_v2 (en_US) has other buttons: URL, not QUICK_REPLY.",
        ),
    ],
    ids=["language", "category", "body-parameters", "header-format", "buttons"],
)
def test_an_incompatible_fallback_is_refused_naming_what_differs(
    admin_client, phone_number, campaign, overrides, detail
):
    other = make_template(phone_number, "spring_sale_v2", **overrides)

    response = put_fallbacks(admin_client, campaign, [other])

    assert response.status_code == 400
    assert response.json()["detail"] == detail
    assert not CampaignFallback.objects.exists()


def test_a_fallback_of_another_business_account_is_refused(admin_client, organization, campaign):
    number = factories.PhoneNumberFactory(
        business_account=factories.BusinessAccountFactory(organization=organization)
    )
    other = make_template(number, "spring_sale_v2")

    response = put_fallbacks(admin_client, campaign, [other])

    assert response.status_code == 400
    assert response.json()["detail"] == (
        "spring_sale_v2 (en_US) belongs to another business account than spring_sale."
    )


def test_a_fallback_of_another_organization_is_not_even_found(
    admin_client, other_phone_number, campaign
):
    other = make_template(other_phone_number, "spring_sale_v2")

    response = put_fallbacks(admin_client, campaign, [other])

    assert response.status_code == 400
    assert "templates" in response.json()
    assert not CampaignFallback.objects.exists()


def test_a_template_is_never_its_own_fallback(admin_client, campaign, spring_sale):
    response = put_fallbacks(admin_client, campaign, [spring_sale])

    assert response.status_code == 400
    assert response.json()["detail"] == (
        "spring_sale (en_US) is the campaign's own template: it cannot be its own fallback."
    )


def test_disabled_switches_to_the_fallback_and_reinstated_switches_back(
    client, admin_client, campaign, spring_sale, v2
):
    assert put_fallbacks(admin_client, campaign, [v2], switch_back=True).status_code == 200

    deliver(client, spring_sale, "DISABLED", reason="SCAM")

    campaign.refresh_from_db()
    assert (campaign.status, campaign.template_id) == ("ACTIVE", v2.pk)
    assert campaign.original_template_id == spring_sale.pk
    entry = AuditLog.objects.get(action="campaign.template_switched")
    assert entry.reason == (
        "switched from spring_sale to spring_sale_v2: spring_sale was disabled by Meta: scam"
    )
    alert = Alert.objects.get(kind="TEMPLATE_DISABLED")
    assert alert.title == (
        "Template spring_sale (en_US) was disabled by Meta: scam. 1 campaign moved to a fallback."
    )
    live = LiveMessage.objects.get(type="campaigns.switched")
    assert live.payload["campaign_ids"] == [str(campaign.pk)]

    deliver(client, spring_sale, "REINSTATED", at=T0 + 600)

    campaign.refresh_from_db()
    assert (campaign.template_id, campaign.original_template_id) == (spring_sale.pk, None)
    back = AuditLog.objects.filter(action="campaign.template_switched").latest("id")
    assert back.reason == "switched from spring_sale_v2 to spring_sale: spring_sale can send again"


def test_a_campaign_that_did_not_opt_in_stays_on_its_fallback(
    client, admin_client, campaign, spring_sale, v2
):
    put_fallbacks(admin_client, campaign, [v2], switch_back=False)
    deliver(client, spring_sale, "DISABLED", reason="SCAM")
    deliver(client, spring_sale, "REINSTATED", at=T0 + 600)

    campaign.refresh_from_db()
    assert campaign.template_id == v2.pk


def test_a_paused_first_fallback_is_passed_over_for_the_next(
    client, admin_client, campaign, spring_sale, v2, v3
):
    put_fallbacks(admin_client, campaign, [v2, v3])
    v2.status = TemplateStatus.PAUSED
    v2.save()

    deliver(client, spring_sale, "PAUSED")

    campaign.refresh_from_db()
    assert (campaign.status, campaign.template_id) == ("ACTIVE", v3.pk)


def test_a_fallback_whose_number_meta_blocked_is_passed_over_for_the_next(
    client, admin_client, campaign, spring_sale, v2, v3
):
    put_fallbacks(admin_client, campaign, [v2, v3])
    blocked = factories.PhoneNumberFactory(
        business_account=v2.business_account, health_blocked=True
    )
    v2.phone_number = blocked
    v2.save()

    deliver(client, spring_sale, "PAUSED")

    campaign.refresh_from_db()
    assert (campaign.status, campaign.template_id) == ("ACTIVE", v3.pk)


def test_a_flagged_fallback_is_not_used_and_with_none_usable_the_campaign_pauses(
    client, admin_client, campaign, spring_sale, v2
):
    put_fallbacks(admin_client, campaign, [v2])
    v2.status = TemplateStatus.FLAGGED
    v2.save()

    deliver(client, spring_sale, "DISABLED", reason="SCAM")

    campaign.refresh_from_db()
    assert (campaign.status, campaign.template_id) == ("PAUSED", spring_sale.pk)
    assert not AuditLog.objects.filter(action="campaign.template_switched").exists()
    assert Alert.objects.get(kind="TEMPLATE_DISABLED").title.endswith("1 campaign paused.")


def test_a_person_switches_by_hand(admin_client, campaign, v2):
    put_fallbacks(admin_client, campaign, [v2])

    response = admin_client.post(
        f"/api/v1/campaigns/{campaign.pk}/switch-template", {"template": str(v2.pk)}
    )

    assert response.status_code == 200
    assert response.json()["template"] == str(v2.pk)
    assert AuditLog.objects.get(action="campaign.template_switched").reason == (
        "switched by hand from spring_sale to spring_sale_v2"
    )


def test_ten_thousand_campaigns_switch_in_one_delivery_within_a_statement_budget(
    spring_sale, v2, v3
):
    campaigns = factories.campaigns_in_bulk(spring_sale, 10_000)
    CampaignFallback.objects.bulk_create(
        [CampaignFallback(campaign=c, template=v2, position=1) for c in campaigns[:6000]]
        + [CampaignFallback(campaign=c, template=v3, position=1) for c in campaigns[6000:9000]]
    )
    spring_sale.status = TemplateStatus.DISABLED
    spring_sale.save()

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        react_to_template_changes([status_change(spring_sale, "APPROVED", "DISABLED")])

    # The campaigns with a usable fallback switched (one UPDATE), the names of the templates
    # they moved between; the rest paused and counted; the alert looked up and inserted; one
    # INSERT of live messages: none grows with the campaigns.
    sent = [q["sql"] for q in queries.captured_queries]
    audit_inserts = [sql for sql in sent if sql.startswith('INSERT INTO "audit_auditlog"')]
    assert len(sent) - len(audit_inserts) <= 7, [sql[:60] for sql in sent]
    # The 10,001 audit entries in as few INSERTs as the database's parameter limit allows (one
    # on PostgreSQL, a batch of rows per statement on SQLite).
    columns = [f for f in AuditLog._meta.concrete_fields if not f.primary_key]
    batch = connection.ops.bulk_batch_size(columns, [None] * 10_001) or 10_001
    assert len(audit_inserts) <= math.ceil(10_001 / batch)
    assert Campaign.objects.filter(template=v2).count() == 6000
    assert Campaign.objects.filter(template=v3).count() == 3000
    assert Campaign.objects.filter(template=spring_sale, status="PAUSED").count() == 1000
    assert AuditLog.objects.filter(action="campaign.template_switched").count() == 9000


def test_monitoring_counts_switched_campaigns_apart_from_paused_ones(
    client, admin_client, spring_sale, v2
):
    moving = factories.CampaignFactory.create_batch(2, template=spring_sale)
    factories.CampaignFactory(template=spring_sale, name="No fallback")
    for campaign in moving:
        put_fallbacks(admin_client, campaign, [v2])

    deliver(client, spring_sale, "DISABLED", reason="SCAM")

    critical = admin_client.get("/api/v1/whatsapp/templates/critical").json()
    row = next(t for t in critical["critical_templates"] if t["name"] == "spring_sale")
    assert (row["campaigns_switched"], row["campaigns_affected"]) == (2, 1)
    assert row["campaigns_summary"] == "2 campaigns moved to a fallback, 1 paused"
    assert Alert.objects.get(kind="TEMPLATE_DISABLED").title == (
        "Template spring_sale (en_US) was disabled by Meta: scam. 2 campaigns moved to a "
        "fallback. 1 campaign paused."
    )


def test_the_admin_names_fallbacks_in_order_and_refuses_an_incompatible_one(
    client, super_admin, phone_number, campaign, v2, v3
):
    spanish = make_template(phone_number, "spring_sale_es", language="es_ES")
    client.force_login(super_admin)
    url = f"/admin/campaigns/campaign/{campaign.pk}/change/"
    form = {"name": campaign.name, "switch_back": "on", "fallback_1": str(v3.pk)}

    refused = client.post(url, {**form, "fallback_2": str(spanish.pk)})
    assert refused.status_code == 200
    assert "is in another language: es_ES, not en_US." in refused.content.decode()
    assert not CampaignFallback.objects.exists()

    saved = client.post(url, {**form, "fallback_2": str(v2.pk)})
    assert saved.status_code == 302
    assert list(campaign.fallbacks.values_list("template__name", flat=True)) == [
        "spring_sale_v3",
        "spring_sale_v2",
    ]
    campaign.refresh_from_db()
    assert campaign.switch_back is True


def test_the_demo_keeps_order_notifications_sending_through_its_fallback(client):
    from dashboard.demo import load_demo_data

    demo = load_demo_data()
    order_update = WhatsAppTemplate.objects.get(name="order_update")

    deliver(client, order_update, "DISABLED")

    moved = Campaign.objects.get(name="Order notifications")
    assert (moved.status, moved.template.name) == ("ACTIVE", "order_update_v2")
    assert Campaign.objects.get(name="Shipping reminders").status == "PAUSED"
    client.force_login(demo.admin)
    critical = client.get("/api/v1/whatsapp/templates/critical").json()["critical_templates"]
    row = next(t for t in critical if t["name"] == "order_update")
    assert row["campaigns_summary"] == "1 campaign moved to a fallback, 1 paused"


def test_the_dashboard_lists_campaigns_sending_through_a_fallback(
    client, admin_client, member, campaign, spring_sale, v2
):
    put_fallbacks(admin_client, campaign, [v2], switch_back=True)
    deliver(client, spring_sale, "DISABLED", reason="SCAM")
    client.force_login(member)

    page = client.get("/dashboard/sections/campaigns/").content.decode()

    assert f'data-fallback-campaign-id="{campaign.pk}"' in page
    assert "spring_sale was disabled by Meta: scam" in page
    assert "Yes, when Meta lets spring_sale send again" in page
