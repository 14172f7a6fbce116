"""The admin's template health list in Chromium, after a real signed webhook disabled a template."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.conftest import save_screenshot, serious_accessibility_violations, status_body

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff_user(organization):
    user = factories.OrgAdminFactory(organization=organization, username="maria", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_whatsapptemplate", "view_campaign", "change_campaign", "view_alert"]
        )
    )
    return user


@pytest.fixture
def spring_sale(phone_number):
    template = factories.WhatsAppTemplateFactory(phone_number=phone_number, name="spring_sale")
    factories.CampaignFactory(template=template, name="Spring blast")
    factories.CampaignFactory(template=template, name="Spring reminder", status="SCHEDULED")
    factories.WhatsAppTemplateFactory(
        phone_number=phone_number, name="welcome", status="PAUSED", quality_score="YELLOW"
    )
    factories.WhatsAppTemplateFactory(phone_number=phone_number, name="order_update")
    return template


def log_in_to_admin(page: Page, username: str) -> None:
    page.goto("/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()


def test_staff_find_the_disabled_template_first_and_follow_it_to_its_paused_campaigns(
    page: Page, staff_user, spring_sale, send_webhook
):
    assert send_webhook(status_body(spring_sale, "DISABLED", reason="SCAM")).status_code == 200
    log_in_to_admin(page, "maria")

    page.get_by_role("link", name="templates, most severe first").click()

    rows = page.locator("#result_list tbody tr")
    first = rows.first
    expect(first).to_contain_text("spring_sale")
    expect(first.locator(".field-status_badge")).to_have_text("Disabled")
    expect(first.locator(".field-reason")).to_have_text("Disabled by Meta: scam")
    expect(first.locator(".field-campaigns_affected")).to_have_text("2")
    save_screenshot(page, "admin-template-health")

    first.locator(".field-campaigns_affected a").click()

    campaigns = page.locator("#result_list tbody tr")
    expect(campaigns).to_have_count(2)
    for name in ("Spring blast", "Spring reminder"):
        row = campaigns.filter(has_text=name)
        expect(row.locator(".field-status_badge")).to_have_text("Paused")


def test_template_page_tells_why_and_what_to_do(page: Page, staff_user, spring_sale, send_webhook):
    send_webhook(status_body(spring_sale, "PAUSED", reason="NONE"))
    send_webhook(status_body(spring_sale, "DISABLED", reason="SCAM"))
    log_in_to_admin(page, "maria")

    page.goto(f"/admin/templates_app/whatsapptemplate/{spring_sale.pk}/change/")

    card = page.locator(".health-card")
    expect(card).to_contain_text("Disabled by Meta: scam")
    expect(card).to_contain_text("Create a new template and move its campaigns to it")
    history = page.locator("section", has=page.get_by_role("heading", name="Status history"))
    expect(history.locator("tbody tr").first).to_contain_text("Paused → Disabled")
    save_screenshot(page, "admin-template-page")
    assert serious_accessibility_violations(page) == []
