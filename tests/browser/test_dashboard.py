"""/dashboard/ in Chromium: readable, keyboard-usable and free of serious axe-core findings."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.conftest import serious_accessibility_violations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def health(phone_number):
    """A few templates in different states, a paused campaign and an open alert."""
    disabled = factories.WhatsAppTemplateFactory(
        phone_number=phone_number,
        name="spring_sale",
        status="DISABLED",
        quality_score="RED",
        disabled_reason="SCAM",
    )
    factories.WhatsAppTemplateFactory(phone_number=phone_number, name="order_update")
    factories.WhatsAppTemplateFactory(
        phone_number=phone_number, name="welcome", status="PAUSED", quality_score="YELLOW"
    )
    factories.CampaignFactory(
        template=disabled,
        name="Spring blast",
        status="PAUSED",
        pause_reason="Template spring_sale (en_US): Disabled by Meta: scam",
    )
    factories.AlertFactory(template=disabled, title="spring_sale (en_US) was disabled by Meta")
    return disabled


@pytest.mark.parametrize("width", [1280, 375])
def test_dashboard_has_no_serious_accessibility_violations(
    page: Page, log_in, org_admin, health, width
):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(org_admin)

    page.goto("/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("template health")

    assert serious_accessibility_violations(page) == []


def test_dashboard_fits_a_375_pixel_wide_screen(page: Page, log_in, org_admin, health):
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(org_admin)

    page.goto("/dashboard/")

    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    expect(page.get_by_role("button", name="Acknowledge")).to_be_visible()


def test_badges_read_as_words_in_their_table(page: Page, log_in, org_admin, health):
    log_in(org_admin)

    page.goto("/dashboard/")

    templates = page.get_by_role("table", name="Every template")
    row = templates.get_by_role("row").filter(has_text="spring_sale")
    expect(row.locator('[data-badge="status"]')).to_have_text("Disabled")
    expect(row.locator('[data-badge="quality"]')).to_have_text("Quality low (red)")
    expect(row).to_contain_text("Disabled by Meta: scam")


def test_keyboard_reaches_the_acknowledge_button_with_a_visible_focus_ring(
    page: Page, log_in, org_admin, health
):
    log_in(org_admin)
    page.goto("/dashboard/")
    button = page.get_by_role("button", name="Acknowledge")

    for _ in range(20):
        page.keyboard.press("Tab")
        if button.evaluate("element => element === document.activeElement"):
            break

    expect(button).to_be_focused()
    outline = button.evaluate("element => getComputedStyle(element).outlineStyle")
    assert outline not in ("", "none")
