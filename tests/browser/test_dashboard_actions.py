"""/dashboard/ as someone on call uses it: every row leads to its page, the row's "What to do" is
a button that acts (or says why not), bad news shows as a toast and in the tab's title, dates
read one way, and a phone shows every action without sideways scrolling."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from playwright.sync_api import Page, expect

from alerts.models import Alert
from campaigns.models import Campaign
from pytake.dates import exact_time
from templates_app.models import SyncRun
from tests import factories
from tests.browser.conftest import (
    save_screenshot,
    serious_accessibility_violations,
    status_body,
)
from tests.webhooks import payload

pytestmark = pytest.mark.django_db(transaction=True)

LIVE_TIMEOUT = 10_000  # ms: a message, then a section reloaded, on a busy two-core machine
ROW_SECTIONS = ("#critical", "#alerts", "#campaigns", "#templates")
WHEN_TEXT = re.compile(r"^(just now|\d+ (min|h) ago|\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2})$")
WHEN_TITLE = re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}:\d{2} \([A-Za-z_/+-]+\)$")
ACTION_BUTTONS = "button.acknowledge, button.resume, button.sync, button.unpause"


@pytest.fixture
def on_call(phone_number):
    """A disabled template with an open alert and a campaign it paused; a sendable template with
    a campaign a person paused; one more template that is fine."""
    disabled = factories.WhatsAppTemplateFactory(
        phone_number=phone_number,
        name="spring_sale",
        status="DISABLED",
        disabled_reason="SCAM",
        status_event_at=timezone.now() - timedelta(days=3),
    )
    factories.CampaignFactory(
        template=disabled,
        name="Spring blast",
        status=Campaign.Status.PAUSED,
        paused_by_template=True,
        pause_reason="Template spring_sale was disabled.",
        paused_at=timezone.now() - timedelta(minutes=12),
    )
    alert = factories.AlertFactory(template=disabled, title="spring_sale was disabled")
    sendable = factories.WhatsAppTemplateFactory(phone_number=phone_number, name="order_update")
    held = factories.CampaignFactory(
        template=sendable,
        name="Order news",
        status=Campaign.Status.PAUSED,
        status_before_pause=Campaign.Status.ACTIVE,
        pause_reason="Paused by hand.",
        paused_at=timezone.now() - timedelta(hours=2),
    )
    factories.WhatsAppTemplateFactory(phone_number=phone_number, name="welcome")
    return {"disabled": disabled, "alert": alert, "held": held, "sendable": sendable}


def open_dashboard(page: Page) -> None:
    page.goto("/dashboard/")
    expect(page.locator("#live-state")).to_have_attribute("data-state", "connected")


def rows(page: Page):
    return page.locator(", ".join(f"{section} tbody tr" for section in ROW_SECTIONS))


def assert_every_row_links_to_a_page_that_answers(page: Page) -> set[str]:
    hrefs = set()
    for row in rows(page).all():
        links = row.locator("a[href]")
        assert links.count() >= 1, row.inner_text()
        hrefs.update(link.get_attribute("href") for link in links.all())
    for href in hrefs:
        response = page.request.get(href.split("#")[0])
        assert response.status == 200, href
    return hrefs


def test_a_member_reaches_a_page_from_every_row(page: Page, log_in, member, on_call):
    log_in(member)
    open_dashboard(page)

    hrefs = assert_every_row_links_to_a_page_that_answers(page)

    disabled = on_call["disabled"]
    assert f"/dashboard/templates/{disabled.pk}/#campaigns" in hrefs  # the affected count
    page.goto(f"/dashboard/templates/{disabled.pk}/#alert-{on_call['alert'].pk}")
    expect(page.locator(f"#alert-{on_call['alert'].pk}")).to_contain_text(
        "spring_sale was disabled"
    )
    expect(page.locator("#campaigns")).to_contain_text("Spring blast")


def test_staff_who_may_view_in_the_admin_reach_its_pages_from_every_row(
    page: Page, log_in, organization, on_call
):
    staff = factories.UserFactory(organization=organization, is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(
            codename__in=["view_whatsapptemplate", "view_campaign", "view_alert"]
        )
    )
    log_in(staff)
    open_dashboard(page)

    hrefs = assert_every_row_links_to_a_page_that_answers(page)

    assert hrefs and all(href.startswith("/admin/") for href in hrefs)


def test_an_admin_acknowledges_and_resumes_from_the_dashboard_and_the_database_agrees(
    page: Page, log_in, org_admin, on_call
):
    log_in(org_admin)
    open_dashboard(page)
    alert_row = page.locator("#alerts tbody tr").filter(has_text="spring_sale was disabled")
    held_row = page.locator("#campaigns tbody tr").filter(has_text="Order news")

    alert_row.get_by_role("button", name="Acknowledge").click()
    expect(alert_row).to_contain_text(f"Acknowledged by {org_admin.username}")
    held_row.get_by_role("button", name="Resume").click()
    expect(held_row).to_have_count(0, timeout=LIVE_TIMEOUT)

    assert Alert.objects.get(pk=on_call["alert"].pk).status == Alert.Status.ACKNOWLEDGED
    assert Campaign.objects.get(pk=on_call["held"].pk).status == Campaign.Status.ACTIVE
    # The campaign of the disabled template offers no button: it cannot resume.
    blocked_row = page.locator("#campaigns tbody tr").filter(has_text="Spring blast")
    expect(blocked_row.get_by_role("button", name="Resume")).to_have_count(0)
    expect(blocked_row).to_contain_text("Meta makes the template sendable")


def test_an_admin_acknowledges_from_the_templates_own_page(page: Page, log_in, org_admin, on_call):
    alert = on_call["alert"]
    log_in(org_admin)
    page.goto(f"/dashboard/templates/{on_call['disabled'].pk}/#alert-{alert.pk}")

    page.locator(f"#alert-{alert.pk}").get_by_role("button", name="Acknowledge").click()

    expect(page.locator(f"#alert-{alert.pk}")).to_contain_text(
        f"Acknowledged by {org_admin.username}", timeout=LIVE_TIMEOUT
    )
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.ACKNOWLEDGED


def test_sync_now_shows_why_an_account_without_a_token_cannot_sync(
    page: Page, log_in, org_admin, on_call
):
    log_in(org_admin)
    open_dashboard(page)
    actions = page.locator("#sending-path .actions")

    actions.get_by_role("button", name="Sync now").click()

    expect(actions.locator(".action-answer")).to_have_text(
        "This business account has no Meta access token: store one to sync with Meta."
    )
    expect(actions.get_by_role("button", name="Sync now")).to_be_enabled()
    assert not SyncRun.objects.exists()


def test_a_member_sees_each_button_disabled_with_the_reason_in_words(
    page: Page, log_in, member, organization, on_call
):
    log_in(member)
    open_dashboard(page)

    buttons = page.locator(ACTION_BUTTONS)
    assert buttons.count() >= 3  # acknowledge, resume, sync
    for button in buttons.all():
        expect(button).to_be_disabled()
        reason = page.locator(f"#{button.get_attribute('aria-describedby').split()[-1]}")
        expect(reason).to_be_visible()
        expect(reason).to_have_text(f"Only an admin of {organization.name} can do this.")
    assert Alert.objects.get(pk=on_call["alert"].pk).status == Alert.Status.OPEN


NOTIFICATION_STUB = """
window.notified = [];
window.permissionAsked = 0;
class StubNotification {
  constructor(title, options) { window.notified.push({ title, body: options.body }); }
}
StubNotification.permission = "default";
StubNotification.requestPermission = () => {
  window.permissionAsked += 1;
  StubNotification.permission = "granted";
  return Promise.resolve("granted");
};
window.Notification = StubNotification;
"""


def test_a_disabled_webhook_shows_a_toast_counts_in_the_title_and_notifies(
    page: Page, log_in, org_admin, phone_number, send_webhook
):
    template = factories.WhatsAppTemplateFactory(phone_number=phone_number, name="spring_sale")
    factories.CampaignFactory(template=template, name="Spring blast")
    page.add_init_script(NOTIFICATION_STUB)
    log_in(org_admin)
    open_dashboard(page)
    title = page.title()
    assert page.evaluate("window.permissionAsked") == 0  # never asked on load
    page.get_by_role("button", name="Notify me in this browser").click()
    expect(page.locator("#notify-state")).to_contain_text("Critical news also shows")

    assert send_webhook(status_body(template, "DISABLED", reason="SCAM")).status_code == 200

    # The template's news, then its alert's, in one toast: one per thing.
    toast = page.locator(f'#toasts .toast[data-key="template:{template.pk}"]')
    expect(toast).to_contain_text(
        "Alert raised: Template spring_sale (en_US) was disabled by Meta", timeout=LIVE_TIMEOUT
    )
    expect(page.locator("#toasts .toast")).to_have_count(1)
    expect(toast.get_by_role("link")).to_have_attribute(
        "href", re.compile(rf"^/dashboard/templates/{template.pk}/#alert-")
    )
    expect(page.locator("#toasts")).to_have_attribute("aria-live", "polite")
    expect(page).to_have_title(re.compile(r"^\(\d+\) " + re.escape(title) + "$"))
    notified = page.evaluate("window.notified")
    assert any("spring_sale (en_US) is now disabled." in item["title"] for item in notified)

    assert serious_accessibility_violations(page) == []

    toast.get_by_role("button", name="Dismiss").click()
    expect(toast).to_have_count(0)
    expect(page).to_have_title(title)  # a click on the page means it was seen


def test_an_account_that_can_no_longer_send_shows_a_critical_toast(
    page: Page, log_in, member, meta_waba, send_webhook
):
    log_in(member)
    open_dashboard(page)
    title = page.title()

    assert send_webhook(payload("account_disabled.json")).status_code == 200

    toast = page.locator(f'#toasts .toast[data-key="account:{meta_waba.pk}"]')
    # The account's news and its alert's, in one toast whichever comes last.
    expect(toast).to_contain_text("Meta disabled this account", timeout=LIVE_TIMEOUT)
    expect(toast).to_contain_text("Critical: ")
    expect(page.locator("#toasts .toast")).to_have_count(1)
    alert = Alert.objects.get(business_account=meta_waba, kind=Alert.Kind.ACCOUNT_DISABLED)
    expect(toast.get_by_role("link")).to_have_attribute(
        "href", re.compile(rf"^(#sending-path|/dashboard/#alert-{alert.pk})$")
    )
    expect(page).to_have_title(re.compile(r"^\(\d+\) " + re.escape(title) + "$"))


def test_news_of_the_same_template_replaces_its_toast_and_four_at_most_stay(
    page: Page, log_in, org_admin, phone_number, send_webhook
):
    templates = [
        factories.WhatsAppTemplateFactory(phone_number=phone_number, name=f"promo_{n}")
        for n in range(5)
    ]
    log_in(org_admin)
    open_dashboard(page)

    send_webhook(status_body(templates[0], "PAUSED"))
    first = page.locator(f'#toasts .toast[data-key="template:{templates[0].pk}"]')
    expect(first).to_contain_text("was paused by Meta", timeout=LIVE_TIMEOUT)
    send_webhook(status_body(templates[0], "DISABLED", reason="SCAM"))
    expect(first).to_contain_text("was disabled by Meta", timeout=LIVE_TIMEOUT)
    expect(first).to_have_count(1)
    for template in templates[1:]:
        send_webhook(status_body(template, "PAUSED"))
    expect(page.locator(f'#toasts .toast[data-key="template:{templates[4].pk}"]')).to_have_count(
        1, timeout=LIVE_TIMEOUT
    )

    assert page.locator("#toasts .toast").count() == 4


@pytest.mark.parametrize("who", ["org_admin", "member"])
def test_on_a_phone_nothing_scrolls_sideways_and_every_action_is_on_screen(
    page: Page, log_in, request, who, on_call
):
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(request.getfixturevalue(who))

    for url in ("/dashboard/", f"/dashboard/templates/{on_call['disabled'].pk}/"):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, url
        buttons = page.locator(ACTION_BUTTONS)
        assert buttons.count() >= 1, url
        for button in buttons.all():
            box = button.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 375, (url, box)
        for row in page.locator("table.cards tbody tr").all():
            box = row.bounding_box()
            assert box["x"] + box["width"] <= 375, (url, box)
        if who == "org_admin" and url == "/dashboard/":
            save_screenshot(page, "dashboard-phone")


@pytest.mark.parametrize("width", [1280, 375])
def test_the_dashboard_and_a_template_page_are_axe_clean(
    page: Page, log_in, member, on_call, width
):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(member)

    for url in ("/dashboard/", f"/dashboard/templates/{on_call['disabled'].pk}/"):
        page.goto(url)
        assert serious_accessibility_violations(page) == [], url


def assert_one_date_format(page: Page) -> int:
    times = page.locator("time[data-when]").all()
    for time in times:
        assert WHEN_TEXT.match(time.inner_text()), time.inner_text()
        assert WHEN_TITLE.match(time.get_attribute("title")), time.get_attribute("title")
    return len(times)


def test_dates_read_one_way_before_and_after_a_live_update(
    page: Page, log_in, org_admin, on_call, send_webhook
):
    log_in(org_admin)
    open_dashboard(page)
    before = assert_one_date_format(page)
    assert before >= 3  # the alert raised, the campaigns paused, the last news from Meta

    assert send_webhook(status_body(on_call["sendable"], "PAUSED")).status_code == 200

    row = page.locator("#templates tbody tr").filter(has_text="order_update")
    expect(row.locator('[data-cell="last-event"] time')).to_have_text(
        "just now", timeout=LIVE_TIMEOUT
    )
    expect(page.locator("#alerts tbody tr").filter(has_text="order_update")).to_have_count(
        1, timeout=LIVE_TIMEOUT
    )
    assert assert_one_date_format(page) > before


@pytest.mark.browser_context_args(timezone_id="Europe/Paris")
def test_the_exact_time_on_hover_is_the_readers_time_in_paris(page: Page, log_in, member, on_call):
    log_in(member)
    open_dashboard(page)

    last_news = page.locator("#templates tbody tr").filter(has_text="spring_sale")
    time = last_news.locator("time[data-when]")
    paris = exact_time(
        on_call["disabled"].last_event_at, ZoneInfo("Europe/Paris"), seconds=True, zone=True
    )
    expect(time).to_have_attribute("title", paris)
    assert paris.endswith("(Europe/Paris)")
