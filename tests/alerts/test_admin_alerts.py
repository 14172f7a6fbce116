"""The alert admin: badges in words and colour, filters, actions through the services."""

from __future__ import annotations

import pytest
from django.test import Client

from alerts.models import Alert, NotificationDelivery
from audit.models import AuditLog
from tests import factories

pytestmark = pytest.mark.django_db

ALERTS = "/admin/alerts/alert/"
DELIVERIES = "/admin/alerts/notificationdelivery/"


@pytest.fixture
def staff(organization):
    return factories.OrgAdminFactory(organization=organization, is_staff=True, is_superuser=True)


@pytest.fixture
def admin_site_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def template(phone_number):
    return factories.WhatsAppTemplateFactory(phone_number=phone_number, name="spring_sale")


def test_changelist_shows_severity_and_status_badges_in_words(admin_site_client, template):
    factories.AlertFactory(template=template, title="Template spring_sale was disabled.")

    page = admin_site_client.get(ALERTS).content.decode()

    assert "Template spring_sale was disabled." in page
    assert "background:#b42318" in page
    assert ">Critical</span>" in page and ">Open</span>" in page


def test_changelist_filters_by_severity(admin_site_client, template):
    factories.AlertFactory(template=template, title="Loud one", severity="CRITICAL")
    factories.AlertFactory(
        template=template, title="Quiet one", severity="INFO", kind="TEMPLATE_REJECTED"
    )

    page = admin_site_client.get(ALERTS, {"severity__exact": "INFO"}).content.decode()

    assert "Quiet one" in page and "Loud one" not in page


def test_acknowledge_action_goes_through_the_service(admin_site_client, template, staff):
    alerts = [
        factories.AlertFactory(template=template, kind="TEMPLATE_PAUSED"),
        factories.AlertFactory(template=template, kind="TEMPLATE_DISABLED", status="RESOLVED"),
    ]

    response = admin_site_client.post(
        ALERTS,
        {"action": "acknowledge", "_selected_action": [str(a.pk) for a in alerts]},
        follow=True,
    )

    page = response.content.decode()
    assert "1 alert(s) acknowledged." in page
    assert "This alert is already resolved." in page
    assert Alert.objects.get(kind="TEMPLATE_PAUSED").acknowledged_by == staff
    entry = AuditLog.objects.get(action="alert.acknowledged")
    assert (entry.actor, entry.target_id) == (staff, str(alerts[0].pk))


def test_resolve_action_records_who_resolved(admin_site_client, template, staff):
    alert = factories.AlertFactory(template=template)

    admin_site_client.post(ALERTS, {"action": "resolve", "_selected_action": [str(alert.pk)]})

    alert.refresh_from_db()
    assert (alert.status, alert.resolved_by) == ("RESOLVED", staff)
    assert alert.resolution == f"Resolved by {staff.email}"
    assert AuditLog.objects.filter(action="alert.resolved", actor=staff).exists()


def test_failed_deliveries_show_and_retry_from_the_admin(
    admin_site_client, organization, template, mailoutbox, django_capture_on_commit_callbacks
):
    channel = factories.NotificationChannelFactory(organization=organization)
    failed = factories.NotificationDeliveryFactory(
        channel=channel,
        alert=factories.AlertFactory(template=template),
        status="failed",
        attempts=5,
        last_error="SMTP server refused the connection",
    )

    page = admin_site_client.get(DELIVERIES, {"status__exact": "failed"}).content.decode()
    assert ">Failed for good</span>" in page
    assert "SMTP server refused the connection" in page

    with django_capture_on_commit_callbacks(execute=True):
        admin_site_client.post(
            DELIVERIES, {"action": "retry", "_selected_action": [str(failed.pk)]}
        )

    failed.refresh_from_db()
    assert failed.status == NotificationDelivery.Status.SENT
    assert len(mailoutbox) == 1
