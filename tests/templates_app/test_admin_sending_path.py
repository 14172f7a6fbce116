"""The admin's business account and number pages show what Meta says of them, read-only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.test import Client

from organizations.models import User
from templates_app.models import BusinessAccount, PhoneNumber
from tests import factories
from tests.webhooks import payload_bytes, signed_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_browser(organization) -> Client:
    user = factories.OrgAdminFactory(organization=organization, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="templates_app"))
    client = Client()
    client.force_login(User.objects.get(pk=user.pk))
    return client


@time_machine.travel(datetime(2025, 12, 5, 9, 0, tzinfo=UTC), tick=False)
def test_account_and_number_pages_show_metas_verdict_read_only(
    client, staff_browser, webhook_settings, meta_waba
):
    number = factories.PhoneNumberFactory(
        business_account=meta_waba, display_phone_number="+1 555 000 1111"
    )
    signed_post(client, payload_bytes("account_restriction.json"))
    signed_post(client, payload_bytes("phone_quality_flagged.json"))

    account_page = staff_browser.get(f"/admin/templates_app/businessaccount/{meta_waba.pk}/change/")
    number_page = staff_browser.get(f"/admin/templates_app/phonenumber/{number.pk}/change/")

    shown = account_page.content.decode()
    assert (
        "No. Meta restricted this account from starting conversations until 11 Dec 2025, "
        "13:00 UTC." in shown
    )
    assert "restrictions" not in account_page.context["adminform"].form.fields
    number_shown = number_page.content.decode()
    assert "No. Its business account cannot send. Meta flagged number +1 555 000 1111" in (
        number_shown
    )
    assert "status" not in number_page.context["adminform"].form.fields

    # A POST of Meta's fields changes none of them.
    staff_browser.post(
        f"/admin/templates_app/phonenumber/{number.pk}/change/",
        {
            "business_account": meta_waba.pk,
            "display_phone_number": "+1 555 000 1111",
            "verified_name": "Acme Shop",
            "status": "CONNECTED",
            "messaging_limit": "TIER_UNLIMITED",
        },
    )
    number = PhoneNumber.objects.get(pk=number.pk)
    assert (number.status, number.messaging_limit) == ("FLAGGED", "TIER_10K")
    assert BusinessAccount.objects.get(pk=meta_waba.pk).restrictions


def test_the_admins_health_page_says_whether_each_account_and_number_can_send(
    client, webhook_settings, super_admin, organization, meta_waba
):
    factories.PhoneNumberFactory(business_account=meta_waba, display_phone_number="+1 555 000 1111")
    signed_post(client, payload_bytes("phone_quality_flagged.json"))
    site = Client()
    site.force_login(super_admin)

    page = site.get(
        "/admin/templates_app/whatsapptemplate/health/", {"organization": organization.pk}
    ).content.decode()

    assert "Sending path: can it send?" in page
    assert (
        "+1 555 000 1111: limited, flagged, 10,000 conversations a day. Meta flagged number "
        "+1 555 000 1111 for low quality." in page
    )
