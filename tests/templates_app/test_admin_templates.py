"""The template admin: Meta's fields are read-only; deleting goes through the service."""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AuditLog
from campaigns.models import Campaign
from templates_app.admin import TEMPLATE_READONLY_FIELDS
from templates_app.models import TemplateStatus, WhatsAppTemplate
from tests import factories

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/templates_app/whatsapptemplate/"
META_OWNED = [
    "status",
    "quality_score",
    "category",
    "correct_category",
    "rejection_reason",
    "disabled_reason",
    "pause_description",
    "approved_at",
    "status_event_at",
    "quality_event_at",
    "category_event_at",
    "components_event_at",
    "sent_count",
    "failed_count",
    "deleted_at",
]


@pytest.fixture
def admin_site_client(super_admin) -> Client:
    client = Client()
    client.force_login(super_admin)
    return client


@pytest.fixture
def template(phone_number):
    return factories.WhatsAppTemplateFactory(phone_number=phone_number, name="order_update")


def test_what_meta_owns_is_not_in_the_change_form(admin_site_client, template):
    response = admin_site_client.get(f"{CHANGELIST}{template.pk}/change/")

    form_fields = set(response.context["adminform"].form.fields)
    assert form_fields == {"phone_number"}
    assert set(META_OWNED) <= set(TEMPLATE_READONLY_FIELDS)


def test_posting_a_status_changes_nothing_and_leaves_campaigns_sending(admin_site_client, template):
    campaign = factories.CampaignFactory(template=template, status=Campaign.Status.ACTIVE)

    admin_site_client.post(
        f"{CHANGELIST}{template.pk}/change/",
        {"phone_number": str(template.phone_number_id), "status": "PAUSED", "sent_count": "9"},
    )

    template.refresh_from_db()
    campaign.refresh_from_db()
    assert (template.status, template.sent_count) == (TemplateStatus.APPROVED, 0)
    assert campaign.status == Campaign.Status.ACTIVE


def test_a_number_of_another_business_account_is_refused(admin_site_client, template):
    stranger = factories.PhoneNumberFactory(business_account__organization=template.organization)

    response = admin_site_client.post(
        f"{CHANGELIST}{template.pk}/change/", {"phone_number": str(stranger.pk)}
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    template.refresh_from_db()
    assert template.phone_number_id != stranger.pk


def test_add_creates_a_pending_template_through_the_service(admin_site_client, phone_number):
    response = admin_site_client.post(
        f"{CHANGELIST}add/",
        {
            "phone_number": str(phone_number.pk),
            "name": "spring_sale",
            "language": "en-US",
            "category": "MARKETING",
        },
    )

    assert response.status_code == 302
    template = WhatsAppTemplate.objects.get(name="spring_sale")
    assert (template.language, template.status) == ("en_US", TemplateStatus.PENDING)
    assert template.organization_id == phone_number.business_account.organization_id
    assert AuditLog.objects.filter(
        action="template.admin_added", target_id=str(template.pk)
    ).exists()


def test_delete_soft_deletes_and_records_who(admin_site_client, template, super_admin):
    response = admin_site_client.post(f"{CHANGELIST}{template.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    template.refresh_from_db()
    assert template.deleted_at is not None
    entry = AuditLog.objects.get(action="template.deleted")
    assert (entry.target_id, entry.actor_id) == (str(template.pk), super_admin.pk)


def test_bulk_delete_records_one_entry_per_template(admin_site_client, phone_number, super_admin):
    templates = factories.WhatsAppTemplateFactory.create_batch(3, phone_number=phone_number)
    factories.CampaignFactory(template=templates[0])  # protected from a hard delete, not this

    response = admin_site_client.post(
        CHANGELIST,
        {
            "action": "delete_selected",
            "_selected_action": [str(t.pk) for t in templates],
            "post": "yes",
        },
    )

    assert response.status_code == 302
    assert WhatsAppTemplate.objects.filter(deleted_at__isnull=False).count() == 3
    entries = AuditLog.objects.filter(action="template.deleted")
    assert sorted(e.target_id for e in entries) == sorted(str(t.pk) for t in templates)
    assert {e.actor_id for e in entries} == {super_admin.pk}
    assert templates[0].name not in admin_site_client.get(CHANGELIST).content.decode()


def test_a_name_meta_would_refuse_is_refused_in_the_admin_as_in_the_api(
    admin_site_client, admin_client, phone_number
):
    name = "<img src=x onerror=alert(1)>"
    api = admin_client.post(
        f"/api/v1/whatsapp/{phone_number.pk}/templates/",
        {"name": name, "language": "en_US", "category": "MARKETING"},
        format="json",
    )
    page = admin_site_client.post(
        f"{CHANGELIST}add/",
        {
            "phone_number": str(phone_number.pk),
            "name": name,
            "language": "en_US",
            "category": "MARKETING",
        },
    )

    assert api.status_code == 400
    assert page.status_code == 200
    assert page.context["adminform"].form.errors["name"] == api.json()["name"]
    assert not WhatsAppTemplate.objects.exists()
