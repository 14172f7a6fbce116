"""An organization admin names a campaign's fallback templates from the dashboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from campaigns.models import CampaignFallback
from tests import factories
from tests.browser.conftest import serious_accessibility_violations
from tests.campaigns.test_fallbacks import make_template

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_sets_a_fallback_and_the_database_agrees(
    page: Page, log_in, org_admin, phone_number
):
    spring_sale = make_template(phone_number, "spring_sale")
    v2 = make_template(phone_number, "spring_sale_v2")
    make_template(phone_number, "venta", language="es")
    campaign = factories.CampaignFactory(template=spring_sale, name="Spring push")
    log_in(org_admin)
    page.goto("/dashboard/")

    form = page.locator(f'[data-fallback-form="{campaign.pk}"]')
    first = form.get_by_label("1.")
    expect(first.locator("option")).to_have_text(["None", "spring_sale_v2 (en_US)"])
    first.select_option(label="spring_sale_v2 (en_US)")
    form.get_by_label("Switch back when Meta lets its own template send again").check()
    form.get_by_role("button", name="Save fallbacks").click()

    expect(page.get_by_role("status").filter(has_text="saved")).to_have_text(
        "Fallback templates of Spring push saved."
    )
    expect(page.locator(f'[data-fallback-form="{campaign.pk}"]').get_by_label("1.")).to_have_value(
        str(v2.pk)
    )
    assert list(
        CampaignFallback.objects.filter(campaign=campaign).values_list("template_id", "position")
    ) == [(v2.pk, 1)]
    campaign.refresh_from_db()
    assert campaign.switch_back is True
    assert serious_accessibility_violations(page) == []


def test_a_member_sees_the_form_disabled_with_the_reason(
    page: Page, log_in, member, organization, phone_number
):
    spring_sale = make_template(phone_number, "spring_sale")
    make_template(phone_number, "spring_sale_v2")
    campaign = factories.CampaignFactory(template=spring_sale, name="Spring push")
    log_in(member)
    page.goto("/dashboard/")

    form = page.locator(f'[data-fallback-form="{campaign.pk}"]')
    expect(form.get_by_role("button", name="Save fallbacks")).to_be_disabled()
    expect(form).to_contain_text(
        f"Only an admin of {organization.name} can name fallback templates."
    )
