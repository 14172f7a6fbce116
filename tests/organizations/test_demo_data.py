from __future__ import annotations

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from alerts.models import Alert
from audit.models import AuditLog
from campaigns.models import Campaign
from organizations.models import Organization, User
from templates_app.models import BusinessAccount, PhoneNumber, TemplateStatus, WhatsAppTemplate

pytestmark = pytest.mark.django_db

MODELS = (Organization, User, BusinessAccount, PhoneNumber, WhatsAppTemplate, Campaign)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_demo_data_command_loads_one_organization_with_templates_and_campaigns():
    call_command("load_demo_data")

    assert row_counts() == {
        "Organization": 1,
        "User": 1,
        "BusinessAccount": 1,
        "PhoneNumber": 1,
        "WhatsAppTemplate": 5,
        "Campaign": 4,
    }
    statuses = set(WhatsAppTemplate.objects.values_list("status", flat=True))
    assert {TemplateStatus.APPROVED, TemplateStatus.PAUSED, TemplateStatus.PENDING} <= statuses


def test_demo_data_command_is_idempotent(capsys):
    call_command("load_demo_data")
    first = row_counts()
    first_alerts, first_audit = Alert.objects.count(), AuditLog.objects.count()

    call_command("load_demo_data")

    assert row_counts() == first
    assert (Alert.objects.count(), AuditLog.objects.count()) == (first_alerts, first_audit)
    assert "Demo data ready" in capsys.readouterr().out


def test_demo_admin_is_superuser_and_org_admin_of_the_demo_organization():
    call_command("load_demo_data")

    admin = User.objects.get(username="admin")
    assert admin.is_superuser is True
    assert admin.is_staff is True
    assert admin.is_org_admin is True
    assert admin.organization == Organization.objects.get(slug="acme")


def test_demo_admin_logs_in_with_admin_admin_and_gets_a_token():
    call_command("load_demo_data")
    call_command("load_demo_data")
    client = APIClient()

    response = client.post(
        "/api/v1/auth/token", {"username": "admin", "password": "admin"}, format="json"
    )

    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    campaigns = client.get("/api/v1/campaigns/")
    assert campaigns.status_code == 200
    assert campaigns.json()["count"] == 4


def test_demo_campaigns_never_send_a_blocked_template():
    call_command("load_demo_data")

    sending = Campaign.objects.filter(status__in=Campaign.SENDING_STATUSES)
    assert sending.exists()
    assert not any(campaign.template.is_blocked for campaign in sending)
    paused = Campaign.objects.get(status=Campaign.Status.PAUSED)
    assert paused.paused_by_template is True
    assert paused.template.status == TemplateStatus.PAUSED
