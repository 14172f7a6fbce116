"""The dashboard's "Sending path" section follows Meta's news about a number without a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.conftest import PAYLOADS_WABA_ID
from tests.webhooks import payload

pytestmark = pytest.mark.django_db(transaction=True)

LIVE_TIMEOUT = 10_000  # ms: a message, then a section reloaded, on a busy two-core machine


def test_a_number_turning_flagged_shows_without_a_reload(
    page: Page, log_in, org_admin, organization, send_webhook
):
    account = factories.BusinessAccountFactory(
        organization=organization, waba_id=PAYLOADS_WABA_ID, name="Acme Shop"
    )
    factories.PhoneNumberFactory(business_account=account, display_phone_number="+1 555 000 1111")
    log_in(org_admin)
    page.goto("/dashboard/")
    expect(page.locator("#live-state")).to_have_attribute("data-state", "connected")
    page.evaluate("window.loadedOnce = true")
    section = page.locator("#sending-path")
    row = section.get_by_role("row").filter(has_text="+1 555 000 1111")
    expect(row.locator(".number-status")).to_have_text("Not reported")
    # The section comes before the templates.
    assert page.evaluate(
        "document.querySelector('#sending-path').compareDocumentPosition("
        "document.querySelector('#templates')) & Node.DOCUMENT_POSITION_FOLLOWING"
    )

    assert send_webhook(payload("phone_quality_flagged.json")).status_code == 200

    expect(row.locator(".number-status")).to_have_text("Flagged", timeout=LIVE_TIMEOUT)
    expect(row).to_contain_text("10,000 conversations a day")
    expect(row.locator(".number-verdict")).to_contain_text(
        "Limited: Meta flagged number +1 555 000 1111 for low quality."
    )
    expect(page.locator("#alerts")).to_contain_text("Meta flagged number", timeout=LIVE_TIMEOUT)
    assert page.evaluate("window.loadedOnce") is True
