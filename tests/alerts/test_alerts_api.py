"""The alerts API: list and filter, acknowledge and resolve, the seed's acknowledge-alert."""

from __future__ import annotations

import pytest

from alerts.models import Alert
from audit.models import AuditLog
from tests import factories

pytestmark = pytest.mark.django_db

ALERTS_URL = "/api/v1/alerts/"


def ack_url(alert: Alert) -> str:
    return f"{ALERTS_URL}{alert.pk}/acknowledge"


def resolve_url(alert: Alert) -> str:
    return f"{ALERTS_URL}{alert.pk}/resolve"


def seed_ack_url(number, template) -> str:
    return f"/api/v1/whatsapp/{number.pk}/templates/{template.pk}/acknowledge-alert"


@pytest.fixture
def template(phone_number):
    return factories.WhatsAppTemplateFactory(phone_number=phone_number, name="spring_sale")


@pytest.fixture
def alert(template):
    return factories.AlertFactory(
        template=template,
        kind="TEMPLATE_DISABLED",
        severity="CRITICAL",
        title="Template spring_sale (en_US) was disabled by Meta: scam.",
    )


def test_member_lists_the_organizations_alerts_newest_first(
    member_client, template, other_phone_number
):
    older = factories.AlertFactory(template=template, kind="TEMPLATE_PAUSED", severity="WARNING")
    newer = factories.AlertFactory(template=template, kind="TEMPLATE_QUALITY_RED")
    factories.AlertFactory(template__phone_number=other_phone_number)

    response = member_client.get(ALERTS_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [str(newer.pk), str(older.pk)]
    row = body["results"][1]
    assert row["kind"] == "TEMPLATE_PAUSED"
    assert (row["template"], row["template_name"]) == (str(template.pk), "spring_sale")
    assert {"status", "severity", "title", "data", "occurrences", "acknowledged_by"} <= set(row)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=ACKNOWLEDGED", ["paused"]),
        ("severity=CRITICAL", ["red"]),
        ("kind=TEMPLATE_PAUSED", ["paused"]),
    ],
)
def test_alerts_filter_by_status_severity_and_kind(member_client, template, query, expected):
    alerts = {
        "paused": factories.AlertFactory(
            template=template, kind="TEMPLATE_PAUSED", severity="WARNING", status="ACKNOWLEDGED"
        ),
        "red": factories.AlertFactory(template=template, kind="TEMPLATE_QUALITY_RED"),
    }

    response = member_client.get(f"{ALERTS_URL}?{query}")

    assert [row["id"] for row in response.json()["results"]] == [
        str(alerts[name].pk) for name in expected
    ]


def test_alerts_filter_by_template(member_client, template, phone_number):
    other = factories.WhatsAppTemplateFactory(phone_number=phone_number)
    mine = factories.AlertFactory(template=template)
    factories.AlertFactory(template=other)

    response = member_client.get(f"{ALERTS_URL}?template={template.pk}")

    assert [row["id"] for row in response.json()["results"]] == [str(mine.pk)]


def test_unknown_filter_value_is_a_clear_400(member_client):
    response = member_client.get(f"{ALERTS_URL}?severity=LOUD")

    assert response.status_code == 400
    assert "severity" in response.json()


def test_org_admin_acknowledges_and_it_is_audited(admin_client, org_admin, alert):
    response = admin_client.post(ack_url(alert))

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["acknowledged_by"]) == ("ACKNOWLEDGED", org_admin.email)
    assert body["acknowledged_at"] is not None
    entry = AuditLog.objects.get(action="alert.acknowledged")
    assert (entry.actor, entry.target_type, entry.target_id) == (org_admin, "alert", str(alert.pk))
    assert entry.changes["status"] == ["OPEN", "ACKNOWLEDGED"]


def test_acknowledging_twice_is_409(admin_client, alert):
    admin_client.post(ack_url(alert))

    response = admin_client.post(ack_url(alert))

    assert response.status_code == 409
    assert response.json()["detail"] == "This alert is already acknowledged."
    assert AuditLog.objects.filter(action="alert.acknowledged").count() == 1


def test_member_may_not_acknowledge_or_resolve(member_client, alert):
    assert member_client.post(ack_url(alert)).status_code == 403
    assert member_client.post(resolve_url(alert)).status_code == 403
    alert.refresh_from_db()
    assert alert.status == "OPEN"


def test_another_organizations_alert_is_404(other_admin_client, alert):
    assert other_admin_client.post(ack_url(alert)).status_code == 404
    assert other_admin_client.post(resolve_url(alert)).status_code == 404
    assert other_admin_client.get(ALERTS_URL).json()["count"] == 0


def test_super_admin_resolves_with_a_reason(super_admin_client, super_admin, alert):
    response = super_admin_client.post(
        resolve_url(alert), {"reason": "Template rewritten and resubmitted."}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["resolution"]) == (
        "RESOLVED",
        "Template rewritten and resubmitted.",
    )
    assert body["resolved_by"] == super_admin.email
    entry = AuditLog.objects.get(action="alert.resolved")
    assert (entry.actor, entry.reason) == (super_admin, "Template rewritten and resubmitted.")


def test_resolving_a_resolved_alert_is_409(admin_client, alert):
    admin_client.post(resolve_url(alert))

    response = admin_client.post(resolve_url(alert))

    assert response.status_code == 409
    assert response.json()["status"] == "RESOLVED"


def test_seed_acknowledge_alert_answers_exactly_its_shape(
    admin_client, org_admin, phone_number, template, alert
):
    second = factories.AlertFactory(template=template, kind="TEMPLATE_QUALITY_RED")

    response = admin_client.post(seed_ack_url(phone_number, template))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"message", "template_id", "acknowledged_at", "acknowledged_by"}
    assert body["message"] == "Alert acknowledged"
    assert body["template_id"] == str(template.pk)
    assert body["acknowledged_by"] == org_admin.email
    for each in (alert, second):
        each.refresh_from_db()
        assert each.status == "ACKNOWLEDGED"
        assert each.acknowledged_at.isoformat().replace("+00:00", "Z") == body["acknowledged_at"]
    assert AuditLog.objects.filter(action="alert.acknowledged").count() == 2


def test_seed_acknowledge_alert_is_404_without_an_open_alert(admin_client, phone_number, template):
    factories.AlertFactory(template=template, status="RESOLVED")

    response = admin_client.post(seed_ack_url(phone_number, template))

    assert response.status_code == 404
    assert response.json()["detail"] == "Template spring_sale (en_US) has no open alert."


def test_seed_acknowledge_alert_is_403_for_a_member(member_client, phone_number, template, alert):
    response = member_client.post(seed_ack_url(phone_number, template))

    assert response.status_code == 403
    alert.refresh_from_db()
    assert alert.status == "OPEN"


def test_seed_acknowledge_alert_finds_templates_of_the_numbers_business_account(
    admin_client, phone_number, alert
):
    # A second number of the same business account reaches the same template.
    sibling = factories.PhoneNumberFactory(business_account=phone_number.business_account)

    response = admin_client.post(seed_ack_url(sibling, alert.template))

    assert response.status_code == 200


def test_seed_acknowledge_alert_of_another_organization_is_404(
    other_admin_client, other_phone_number, phone_number, template, alert
):
    assert other_admin_client.post(seed_ack_url(phone_number, template)).status_code == 404
    assert other_admin_client.post(seed_ack_url(other_phone_number, template)).status_code == 404


def test_template_responses_count_open_alerts(member_client, phone_number, template):
    factories.AlertFactory(template=template, kind="TEMPLATE_PAUSED")
    factories.AlertFactory(template=template, kind="TEMPLATE_QUALITY_RED", status="ACKNOWLEDGED")
    factories.AlertFactory(template=template, kind="TEMPLATE_FLAGGED", status="RESOLVED")
    quiet = factories.WhatsAppTemplateFactory(phone_number=phone_number, name="quiet")
    base = f"/api/v1/whatsapp/{phone_number.pk}/templates/"

    listed = member_client.get(base).json()["results"]
    detail = member_client.get(f"{base}{template.pk}/").json()

    assert {row["name"]: row["open_alerts"] for row in listed} == {
        "spring_sale": 2,
        quiet.name: 0,
    }
    assert detail["open_alerts"] == 2


def test_template_list_counts_open_alerts_in_one_query(
    member_client, phone_number, django_assert_max_num_queries
):
    for _ in range(5):
        factories.AlertFactory(template__phone_number=phone_number)
    url = f"/api/v1/whatsapp/{phone_number.pk}/templates/"

    with django_assert_max_num_queries(4):
        response = member_client.get(url)

    assert [row["open_alerts"] for row in response.json()["results"]] == [1] * 5
