"""The admin as staff meet it: PyTake's name, no internals for staff, pages with actions where a
person acts (an alert's Acknowledge and Resolve, no Resume for a template that cannot send), and
a delivery's headers and times in words."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from alerts.models import Alert
from audit.models import AuditLog
from organizations.models import User
from pytake.dates import exact_time
from templates_app.guidance import template_guidance
from templates_app.models import TemplatePause
from tests import factories

pytestmark = pytest.mark.django_db

INTERNAL_APPS = {
    "Authentication and Authorization": "/admin/auth/group/",
    "Knox": "/admin/knox/authtoken/",
    "Tasks Database Backend": "/admin/django_tasks_database/dbtaskresult/",
    "Scheduled jobs": "/admin/scheduling/jobrun/",
}


def browser_of(user: User) -> Client:
    client = Client()
    client.force_login(User.objects.get(pk=user.pk))
    return client


def staff(organization, *, role: str = User.Role.ORG_ADMIN) -> User:
    """A staff user of `organization` with every permission there is, but no superuser."""
    user = factories.UserFactory(organization=organization, role=role, is_staff=True)
    user.user_permissions.set(Permission.objects.all())
    return user


@pytest.fixture
def org_staff(organization) -> Client:
    return browser_of(staff(organization))


@pytest.fixture
def member_staff(organization) -> Client:
    return browser_of(staff(organization, role=User.Role.MEMBER))


@pytest.fixture
def root(super_admin) -> Client:
    return browser_of(super_admin)


def text_of(response) -> str:
    """What a reader sees of the page: its text, without tags, in one line."""
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(text))


# --- PyTake's name ----------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/admin/", "/admin/login/", "/admin/alerts/alert/"])
def test_every_admin_page_is_pytakes(root, url):
    client = Client() if url == "/admin/login/" else root

    response = client.get(url)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<div id="site-name"><a href="/admin/">PyTake</a></div>' in html
    assert re.search(r"<title>[^<]*\| PyTake admin</title>", html)
    assert "Django administration" not in html and "Django site admin" not in html


def test_every_admin_page_loads_the_phone_stylesheet_once(root):
    html = root.get("/admin/alerts/alert/").content.decode()

    assert html.count("dashboard/admin-health.css") == 1


# --- internals -------------------------------------------------------------------------------


def test_staff_see_the_health_section_first_and_no_internal_app(org_staff):
    response = org_staff.get("/admin/")

    html = response.content.decode()
    assert html.index("Template health") < html.index('class="app-')
    for app in INTERNAL_APPS:
        assert f">{app}</a>" not in html


@pytest.mark.parametrize("url", INTERNAL_APPS.values())
def test_staff_cannot_open_an_internal_app(org_staff, url):
    assert org_staff.get(url).status_code in (403, 404)


def test_superusers_still_see_the_internal_apps(root):
    html = root.get("/admin/").content.decode()

    for app, url in INTERNAL_APPS.items():
        assert f">{app}</a>" in html
        assert root.get(url).status_code == 200


# --- list columns ----------------------------------------------------------------------------


def test_alert_titles_are_one_line_with_the_whole_title_on_hover(org_staff, phone_number):
    title = "spring_sale (en_US) was disabled by Meta: its campaigns are paused " * 2
    factories.AlertFactory(template__phone_number=phone_number, title=title.strip())

    html = org_staff.get("/admin/alerts/alert/").content.decode()

    assert f'<span class="one-line" title="{title.strip()}">' in html
    headers = re.findall(r'<th scope="col" class="[^"]*column-(\w+)', html)
    assert headers == ["one_line_title", "severity_badge", "status_badge", "created_at"]


def test_superusers_see_which_organization_an_alert_is_of(root, phone_number):
    factories.AlertFactory(template__phone_number=phone_number)

    html = root.get("/admin/alerts/alert/").content.decode()

    assert "column-organization" in html


def test_dates_in_lists_read_as_everywhere_else(org_staff, phone_number):
    alert = factories.AlertFactory(template__phone_number=phone_number)
    Alert.objects.filter(pk=alert.pk).update(created_at=datetime(2026, 12, 4, 13, 53, tzinfo=UTC))

    assert "4 Dec 2026, 13:53" in text_of(org_staff.get("/admin/alerts/alert/"))


# --- an alert's page -------------------------------------------------------------------------


def alert_page(alert: Alert) -> str:
    return f"/admin/alerts/alert/{alert.pk}/change/"


def test_an_alert_page_offers_acknowledge_and_resolve_not_save(org_staff, phone_number):
    alert = factories.AlertFactory(template__phone_number=phone_number)

    html = org_staff.get(alert_page(alert)).content.decode()

    assert re.search(r'<button type="submit" class="button">\s*Acknowledge\s*</button>', html)
    assert re.search(r'<button type="submit" class="button">\s*Resolve\s*</button>', html)
    assert 'name="_save"' not in html and 'name="_continue"' not in html


def test_an_alert_page_says_why_and_what_to_do_in_the_words_of_every_page(org_staff, phone_number):
    template = factories.WhatsAppTemplateFactory(
        phone_number=phone_number, status="DISABLED", disabled_reason="SCAM"
    )
    alert = factories.AlertFactory(template=template, data={"reason": "Disabled by Meta: scam"})

    text = text_of(org_staff.get(alert_page(alert)))

    said = template_guidance(template)
    assert "What Meta said: Disabled by Meta: scam" in text
    assert f"Why: {said.why}" in text
    assert f"What to do: {said.what_to_do}" in text
    assert '{"reason"' not in text  # no JSON


def test_acknowledge_on_the_alert_page_acknowledges_it(org_staff, phone_number):
    alert = factories.AlertFactory(template__phone_number=phone_number)

    response = org_staff.post(f"/admin/alerts/alert/{alert.pk}/acknowledge/", follow=True)

    alert.refresh_from_db()
    assert alert.status == Alert.Status.ACKNOWLEDGED
    assert alert.acknowledged_by is not None
    page = text_of(response)
    assert f"Acknowledged: {alert.title}" in page
    assert "Acknowledged by" in page
    assert AuditLog.objects.filter(action="alert.acknowledged", target_id=str(alert.pk)).exists()


def test_resolve_on_the_alert_page_resolves_it_with_the_reason(org_staff, phone_number):
    alert = factories.AlertFactory(template__phone_number=phone_number)

    response = org_staff.post(
        f"/admin/alerts/alert/{alert.pk}/resolve/", {"reason": "New template approved"}
    )

    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.resolution) == (Alert.Status.RESOLVED, "New template approved")
    html = org_staff.get(alert_page(alert)).content.decode()
    assert "Resolve</button>" not in html and "Acknowledge</button>" not in html


def test_a_member_sees_the_buttons_disabled_with_the_reason(member_staff, phone_number):
    alert = factories.AlertFactory(template__phone_number=phone_number)

    html = member_staff.get(alert_page(alert)).content.decode()

    assert len(re.findall(r"<button[^>]* disabled[^>]*>\s*(Acknowledge|Resolve)", html)) == 2
    assert "Only an organization admin may acknowledge or resolve its alerts." in html


def test_a_member_cannot_acknowledge_by_posting(member_staff, phone_number):
    alert = factories.AlertFactory(template__phone_number=phone_number)

    response = member_staff.post(f"/admin/alerts/alert/{alert.pk}/acknowledge/", follow=True)

    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN
    assert "Only an organization admin may acknowledge" in text_of(response)


def test_another_organizations_alert_cannot_be_acknowledged(org_staff):
    alert = factories.AlertFactory()

    org_staff.post(f"/admin/alerts/alert/{alert.pk}/acknowledge/")

    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN


# --- a template's page -----------------------------------------------------------------------


def test_a_disabled_template_offers_no_resume_and_says_why(org_staff, phone_number):
    template = factories.WhatsAppTemplateFactory(phone_number=phone_number, status="DISABLED")
    factories.CampaignFactory(template=template, status="PAUSED")

    response = org_staff.get(f"/admin/templates_app/whatsapptemplate/{template.pk}/change/")

    page = text_of(response)
    assert "Resume its paused campaigns" not in page
    assert "Pause its sending campaigns" in page
    assert (
        "Its paused campaigns cannot resume: the template is disabled, and Meta does not send "
        "it until it is approved again." in page
    )


def test_an_approved_template_offers_resume(org_staff, phone_number):
    template = factories.WhatsAppTemplateFactory(phone_number=phone_number, status="APPROVED")
    factories.CampaignFactory(template=template, status="PAUSED")

    page = text_of(org_staff.get(f"/admin/templates_app/whatsapptemplate/{template.pk}/change/"))

    assert "Resume its paused campaigns" in page
    assert "cannot resume" not in page


# --- a delivery's page -----------------------------------------------------------------------


def test_a_delivery_shows_its_headers_as_a_table_and_its_epochs_as_dates(root):
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "time": 1795000000, "changes": []}],
        "timestamp": "1795000060",
    }
    delivery = factories.WebhookDeliveryFactory(
        body=json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            "X-Hub-Signature-256": "sha256=abc",
            "Authorization": "Bearer hidden-token",
        },
    )

    response = root.get(f"/admin/templates_app/webhookdelivery/{delivery.pk}/change/")

    html = response.content.decode()
    table = re.search(r'<table class="delivery-headers".*?</table>', html, re.S).group(0)
    rows = re.findall(r'<th scope="row">([^<]+)</th><td>([^<]*)</td>', table)
    assert rows == [
        ("Authorization", "[redacted]"),
        ("Content-Type", "application/json"),
        ("X-Hub-Signature-256", "sha256=abc"),
    ]
    assert "hidden-token" not in html
    first = exact_time(datetime.fromtimestamp(1795000000, UTC), seconds=True, zone=True)
    second = exact_time(datetime.fromtimestamp(1795000060, UTC), seconds=True, zone=True)
    page = text_of(response)
    assert f'"time": 1795000000, → {first}' in page
    assert f'"timestamp": "1795000060" → {second}' in page


def test_a_member_sees_the_templates_acknowledge_disabled_with_the_reason(
    member_staff, phone_number
):
    template = factories.WhatsAppTemplateFactory(phone_number=phone_number, status="DISABLED")
    factories.AlertFactory(template=template)

    response = member_staff.get(f"/admin/templates_app/whatsapptemplate/{template.pk}/change/")

    html = response.content.decode()
    assert re.search(
        r'<button type="button" class="button" disabled[^>]*>Acknowledge</button>', html
    )
    assert "Only an organization admin may acknowledge its alerts." in text_of(response)


def test_the_template_page_reads_metas_pause_ladder_in_words(organization, phone_number):
    template = factories.WhatsAppTemplateFactory(phone_number=phone_number, status="DISABLED")
    first = timezone.now() - timedelta(hours=12)
    TemplatePause.objects.create(
        template=template,
        title="FIRST_PAUSE",
        paused_at=first,
        ended_at=first + timedelta(hours=3),
        ended_by="UNPAUSE",
    )
    TemplatePause.objects.create(
        template=template,
        title="SECOND_PAUSE",
        paused_at=first + timedelta(hours=6),
        ended_at=first + timedelta(hours=8),
        ended_by="DISABLED",
    )

    page = browser_of(staff(organization)).get(
        f"/admin/templates_app/whatsapptemplate/{template.pk}/change/"
    )

    ladder = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.content.decode())).split())
    assert (
        f"{exact_time(first)}: Paused for low quality (first pause, 3 hours); "
        f"ended {exact_time(first + timedelta(hours=3))}: Pause lifted by Meta"
    ) in ladder
    assert (
        f"{exact_time(first + timedelta(hours=6))}: Paused for low quality again (second pause, "
        f"6 hours); ended {exact_time(first + timedelta(hours=8))}: Disabled by Meta"
    ) in ladder
    for code in ("FIRST_PAUSE", "SECOND_PAUSE", "UNPAUSE"):
        assert code not in ladder
