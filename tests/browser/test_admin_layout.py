"""The admin's layout in Chromium: the alert list fits a 1280 px screen, every page staff use
fits a 375 px phone with each action on screen, and the channel form shows its kind's fields."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import Page, expect

from alerts.models import NotificationChannel
from tests import factories
from tests.browser.conftest import serious_accessibility_violations

pytestmark = pytest.mark.django_db(transaction=True)

LONG_TITLE = (
    "spring_sale_reminder_with_a_long_name (en_US) was disabled by Meta for scam: "
    "its 3 campaigns are paused and no fallback template is approved"
)
# Whatever a person acts with: buttons, links styled as buttons, the action bar's controls.
ACTIONS = (
    "button:visible, input[type=submit]:visible, .object-tools a:visible, "
    "#changelist .actions select:visible, #changelist-search input:visible"
)


@pytest.fixture
def staff_user(organization):
    user = factories.OrgAdminFactory(organization=organization, username="maria", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["alerts", "templates_app", "campaigns", "audit"]
        )
    )
    return user


@pytest.fixture
def disabled_template(phone_number):
    template = factories.WhatsAppTemplateFactory(
        phone_number=phone_number, name="spring_sale_reminder_with_a_long_name", status="DISABLED"
    )
    factories.CampaignFactory(template=template, name="Spring blast", status="PAUSED")
    factories.CampaignFactory(template=template, name="Spring reminder", status="PAUSED")
    factories.WhatsAppTemplateFactory(phone_number=phone_number, name="welcome", status="PAUSED")
    return template


@pytest.fixture
def long_alert(disabled_template):
    return factories.AlertFactory(template=disabled_template, title=LONG_TITLE)


def overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0: no horizontal scroll)."""
    return page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth"
    )


def actions_off_screen(page: Page) -> list[str]:
    """Each action whose box is not wholly inside the window's width."""
    return page.evaluate(
        """(selector) => Array.from(document.querySelectorAll(selector))
            .filter((el) => { const r = el.getBoundingClientRect();
                              return r.width > 0 && (r.left < 0 || r.right > window.innerWidth); })
            .map((el) => (el.textContent || el.name || el.id || el.tagName).trim())""",
        ACTIONS.replace(":visible", ""),
    )


def test_the_alert_list_fits_1280_px_with_one_line_titles(
    page: Page, log_in, staff_user, long_alert
):
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(staff_user)

    page.goto("/admin/alerts/alert/")

    headers = page.locator("#result_list thead th")
    expect(headers).to_have_count(5)  # the checkbox, then four columns
    for index in range(5):
        box = headers.nth(index).bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1280, headers.nth(index).inner_text()
    assert overflow(page) <= 0
    title = page.locator("#result_list .one-line").first
    expect(title).to_have_attribute("title", LONG_TITLE)
    line_height = title.evaluate("el => parseFloat(getComputedStyle(el).lineHeight) || 20")
    assert title.bounding_box()["height"] <= line_height * 1.5
    assert title.evaluate("el => el.scrollWidth > el.clientWidth")  # cut, with an ellipsis


PHONE_PAGES = [
    "/admin/alerts/alert/",
    "/admin/templates_app/whatsapptemplate/?attention=yes",
    "/admin/campaigns/campaign/",
    "/admin/alerts/notificationchannel/",
    "/admin/alerts/notificationdelivery/",
    "/admin/audit/auditlog/",
    "/admin/templates_app/whatsapptemplate/health/",
    "alert",
    "template",
]


def page_url(where: str, alert, template) -> str:
    """A path as it is, or the page of the alert or of the template."""
    return {
        "alert": f"/admin/alerts/alert/{alert.pk}/change/",
        "template": f"/admin/templates_app/whatsapptemplate/{template.pk}/change/",
    }.get(where, where)


@pytest.mark.parametrize("where", PHONE_PAGES)
def test_a_phone_scrolls_no_page_sideways_and_sees_every_action(
    page: Page, log_in, staff_user, long_alert, disabled_template, where
):
    factories.NotificationChannelFactory(organization=staff_user.organization)
    factories.AuditLogFactory(organization=staff_user.organization, target_name=LONG_TITLE)
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(staff_user)
    url = page_url(where, long_alert, disabled_template)

    page.goto(url)
    assert page.locator("#content").count() == 1
    assert overflow(page) <= 0, f"{url} is {overflow(page)} px wider than the phone"
    assert actions_off_screen(page) == []
    if where == "alert":
        expect(page.get_by_role("button", name="Acknowledge")).to_be_in_viewport()
    if "result_list" in page.content():
        first_cell = page.locator("#result_list tbody tr").first.locator("td, th").nth(1)
        assert first_cell.evaluate("el => getComputedStyle(el).display") == "block"


def test_the_channel_form_shows_only_the_fields_of_its_kind(page: Page, log_in, staff_user):
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(staff_user)
    page.goto("/admin/alerts/notificationchannel/add/")
    kind = page.locator("#id_kind")
    rows = {
        name: page.locator(f".form-row.field-{name}") for name in ("recipients", "url", "secret")
    }

    kind.select_option("email")
    expect(rows["recipients"]).to_be_visible()
    expect(rows["url"]).to_be_hidden()
    expect(rows["secret"]).to_be_hidden()

    kind.select_option("webhook")
    expect(rows["recipients"]).to_be_hidden()
    expect(rows["url"]).to_be_visible()
    expect(rows["secret"]).to_be_visible()

    kind.select_option("slack")
    expect(rows["url"]).to_be_visible()
    expect(rows["secret"]).to_be_hidden()
    expect(rows["recipients"]).to_be_hidden()

    page.get_by_label("Name").fill("Ops mail")
    kind.select_option("email")
    page.get_by_label("Recipients").fill("ops@example.com\noncall@example.com")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("Ops mail")
    channel = NotificationChannel.objects.get(name="Ops mail")
    assert channel.recipients == ["ops@example.com", "oncall@example.com"]


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("where", ["/admin/", *PHONE_PAGES])
def test_the_pages_staff_use_are_axe_clean_on_a_desk_and_on_a_phone(
    page: Page, log_in, staff_user, long_alert, disabled_template, where, width
):
    page.set_viewport_size({"width": width, "height": 800})
    log_in(staff_user)
    url = page_url(where, long_alert, disabled_template)

    page.goto(url)

    assert serious_accessibility_violations(page) == [], url
