"""The dashboard's buttons call the REST API with the page's session: the API takes the session
with the CSRF token the page holds, and refuses it without."""

from __future__ import annotations

import pytest
from django.test import Client

from alerts.models import Alert
from campaigns.models import Campaign
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_session(org_admin) -> tuple[Client, str]:
    """A browser of the org admin that checks CSRF as browsers get it, and the page's token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(org_admin)
    client.get("/dashboard/")
    return client, client.cookies["csrftoken"].value


def test_acknowledge_with_the_session_needs_the_pages_csrf_token(page_session, phone_number):
    client, token = page_session
    alert = factories.AlertFactory(
        template=factories.WhatsAppTemplateFactory(phone_number=phone_number)
    )
    url = f"/api/v1/alerts/{alert.pk}/acknowledge/"

    refused = client.post(url, HTTP_ACCEPT="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.OPEN

    accepted = client.post(url, HTTP_X_CSRFTOKEN=token, HTTP_ACCEPT="application/json")
    assert accepted.status_code == 200
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.ACKNOWLEDGED


def test_resume_with_the_session_and_token_resumes_the_campaign(page_session, phone_number):
    client, token = page_session
    campaign = factories.CampaignFactory(
        template=factories.WhatsAppTemplateFactory(phone_number=phone_number),
        status=Campaign.Status.PAUSED,
        status_before_pause=Campaign.Status.ACTIVE,
    )

    response = client.post(f"/api/v1/campaigns/{campaign.pk}/resume/", HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 200
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.ACTIVE


def test_a_member_with_the_token_is_refused_and_nothing_changes(member, phone_number):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    client.get("/dashboard/")
    alert = factories.AlertFactory(
        template=factories.WhatsAppTemplateFactory(phone_number=phone_number)
    )

    response = client.post(
        f"/api/v1/alerts/{alert.pk}/acknowledge/",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )

    assert response.status_code == 403
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.OPEN
