"""/dashboard/ stays current without a reload: a signed webhook, a click, a dropped socket."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from alerts.models import Alert
from pytake.dates import exact_time
from tests import factories
from tests.browser.conftest import save_screenshot, status_body
from tests.meta_events import apply_status

pytestmark = pytest.mark.django_db(transaction=True)

LIVE_TIMEOUT = 10_000  # ms: a message, then a section reloaded, on a busy two-core machine


@pytest.fixture
def spring_sale(phone_number):
    template = factories.WhatsAppTemplateFactory(phone_number=phone_number, name="spring_sale")
    factories.CampaignFactory(template=template, name="Spring blast")
    factories.WhatsAppTemplateFactory(phone_number=phone_number, name="order_update")
    return template


def open_dashboard(page: Page) -> None:
    page.goto("/dashboard/")
    expect(page.locator("#live-state")).to_have_attribute("data-state", "connected")
    # Anything on `window` is lost if the page reloads: the tests check it survives.
    page.evaluate("window.loadedOnce = true")


def template_row(page: Page, name: str):
    table = page.get_by_role("table", name="Every template")
    return table.get_by_role("row").filter(has_text=name)


def test_signed_disabled_webhook_turns_the_badge_pauses_campaigns_and_raises_an_alert_live(
    page: Page, log_in, org_admin, spring_sale, send_webhook
):
    log_in(org_admin)
    open_dashboard(page)
    expect(page.locator("#campaigns")).to_contain_text("No campaign is paused.")

    assert send_webhook(status_body(spring_sale, "DISABLED", reason="SCAM")).status_code == 200

    row = template_row(page, "spring_sale")
    expect(row.locator('[data-badge="status"]')).to_have_text("Disabled", timeout=LIVE_TIMEOUT)
    expect(row).to_contain_text("Disabled by Meta: scam")
    expect(page.locator("#campaigns")).to_contain_text("Spring blast", timeout=LIVE_TIMEOUT)
    expect(page.locator("#alerts tbody tr").filter(has_text="spring_sale")).to_have_count(
        1, timeout=LIVE_TIMEOUT
    )
    expect(page.locator("#critical")).to_contain_text(
        "Create a new template and move its campaigns to it"
    )
    assert page.evaluate("window.loadedOnce") is True
    save_screenshot(page, "dashboard")


def test_row_changed_live_shows_its_time_as_the_server_renders_it(
    page: Page, log_in, org_admin, spring_sale, send_webhook
):
    log_in(org_admin)
    open_dashboard(page)

    assert send_webhook(status_body(spring_sale, "PAUSED")).status_code == 200

    row = template_row(page, "spring_sale")
    expect(row.locator('[data-badge="status"]')).to_have_text("Paused", timeout=LIVE_TIMEOUT)
    live_time = row.locator('[data-cell="last-event"] time')
    when = datetime.fromisoformat(live_time.get_attribute("datetime"))
    zone = ZoneInfo(page.evaluate("PyTakeDates.zone"))
    expect(live_time).to_have_text("just now")
    expect(live_time).to_have_attribute("title", exact_time(when, zone, seconds=True, zone=True))
    assert page.evaluate("window.loadedOnce") is True  # changed in place, not reloaded


def test_acknowledge_click_marks_the_alert_acknowledged(
    page: Page, log_in, org_admin, spring_sale, send_webhook
):
    send_webhook(status_body(spring_sale, "DISABLED", reason="SCAM"))
    log_in(org_admin)
    open_dashboard(page)
    alert_row = page.locator("#alerts tbody tr").filter(has_text="spring_sale")

    alert_row.get_by_role("button", name="Acknowledge").click()

    expect(alert_row).to_contain_text(f"Acknowledged by {org_admin.username}")
    expect(page.locator("#announcer")).to_have_text("Alert acknowledged.")
    assert Alert.objects.get(template=spring_sale).status == Alert.Status.ACKNOWLEDGED
    assert page.evaluate("window.loadedOnce") is True


def test_change_made_while_the_socket_was_down_appears_once_it_reconnects(
    page: Page, log_in, org_admin, spring_sale, running_server
):
    log_in(org_admin)
    open_dashboard(page)

    running_server.stop()
    expect(page.locator("#live-state")).not_to_have_attribute("data-state", "connected")
    apply_status(spring_sale, "PAUSED")  # Meta's news, applied while nobody listens
    running_server.start()

    expect(page.locator("#live-state")).to_have_attribute(
        "data-state", "connected", timeout=LIVE_TIMEOUT
    )
    row = template_row(page, "spring_sale")
    expect(row.locator('[data-badge="status"]')).to_have_text("Paused", timeout=LIVE_TIMEOUT)
    assert page.evaluate("window.loadedOnce") is True
