"""One source of words: the dashboard, the admin, the API and the notifications say the same
"Why" and "What to do" for the same template, number or account."""

from __future__ import annotations

import html
import itertools
import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from alerts import notify
from alerts.notify import messages, webhook
from templates_app.attention import Severity, severity_expression, severity_of
from templates_app.guidance import account_guidance, number_guidance, template_guidance
from templates_app.models import QualityScore, TemplateStatus, WhatsAppTemplate
from tests import factories
from tests.meta_events import apply_status

pytestmark = pytest.mark.django_db

PAUSED_RED_WHY = "Paused for low quality (first pause, 3 hours); quality rated low (red)"
PAUSED_RED_WHAT_TO_DO = "Review template quality metrics and resubmit"


def page_text(response) -> str:
    """The page's words as a person reads them: tags dropped, entities decoded, spaces folded."""
    assert response.status_code == 200
    words = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(words).split())


@pytest.fixture
def dashboard_reader(org_admin) -> Client:
    client = Client()
    client.force_login(org_admin)
    return client


@pytest.fixture
def staff(org_admin) -> Client:
    org_admin.is_staff = True
    org_admin.is_superuser = True
    org_admin.save()
    client = Client()
    client.force_login(org_admin)
    return client


@pytest.fixture
def paused_red(phone_number, organization, mailoutbox, django_capture_on_commit_callbacks):
    """A RED template that Meta pauses, heard by a webhook, with an email channel listening."""
    factories.NotificationChannelFactory(organization=organization, recipients=["ops@example.com"])
    template = factories.WhatsAppTemplateFactory(
        phone_number=phone_number, name="spring_sale", quality_score="RED"
    )
    with django_capture_on_commit_callbacks(execute=True):
        apply_status(template, "PAUSED", other_info_title="FIRST_PAUSE")
    template.refresh_from_db()
    return template


def test_the_guidance_of_a_paused_red_template_names_both(paused_red):
    guidance = template_guidance(paused_red)

    assert (guidance.why, guidance.what_to_do) == (PAUSED_RED_WHY, PAUSED_RED_WHAT_TO_DO)
    assert guidance.severity is Severity.QUALITY_RED


def test_dashboard_admin_api_and_email_say_the_same_of_a_paused_red_template(
    paused_red, dashboard_reader, staff, admin_client, mailoutbox
):
    # Why, then (after the pause ladder's line, on the dashboard) what to do.
    said = re.compile(f"{re.escape(PAUSED_RED_WHY)} (.+ )?{re.escape(PAUSED_RED_WHAT_TO_DO)}")

    dashboard = page_text(dashboard_reader.get("/dashboard/"))
    health = page_text(staff.get("/admin/templates_app/whatsapptemplate/health/"))
    template_page = page_text(
        staff.get(f"/admin/templates_app/whatsapptemplate/{paused_red.pk}/change/")
    )
    changelist = page_text(staff.get("/admin/templates_app/whatsapptemplate/?attention=yes"))
    critical = admin_client.get("/api/v1/whatsapp/templates/critical").json()
    listed = admin_client.get("/api/v1/whatsapp/templates/").json()["results"]
    detail = admin_client.get(f"/api/v1/whatsapp/templates/{paused_red.pk}/").json()

    # The dashboard's critical row and the health page's row: why, then what to do.
    assert said.search(dashboard)
    assert said.search(health)
    assert f"Why {PAUSED_RED_WHY} What to do {PAUSED_RED_WHAT_TO_DO}" in template_page
    assert PAUSED_RED_WHY in changelist
    [row] = critical["critical_templates"]
    assert (row["reason"], row["action_required"]) == (PAUSED_RED_WHY, PAUSED_RED_WHAT_TO_DO)
    [item] = listed
    assert (item["reason"], item["action_required"]) == (PAUSED_RED_WHY, PAUSED_RED_WHAT_TO_DO)
    assert (detail["reason"], detail["action_required"]) == (PAUSED_RED_WHY, PAUSED_RED_WHAT_TO_DO)
    # The pause's email, in text and in HTML.
    [email] = mailoutbox
    assert f"Why:              {PAUSED_RED_WHY}" in email.body
    assert f"What to do:       {PAUSED_RED_WHAT_TO_DO}" in email.body
    [(html_body, _)] = email.alternatives
    email_html = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", html_body)).split())
    assert f"Why {PAUSED_RED_WHY} What to do {PAUSED_RED_WHAT_TO_DO}" in email_html


def test_the_signed_webhook_and_slack_carry_the_same_why_and_what_to_do(paused_red):
    alert = paused_red.alerts.get()
    message = messages.alert_message(alert)

    body = webhook.body(message, timestamp=timezone.now())
    sent = json.loads(json.dumps(body))["data"]["alert"]

    assert (sent["why"], sent["what_to_do"]) == (PAUSED_RED_WHY, PAUSED_RED_WHAT_TO_DO)
    assert sent["reason"] == "Paused for low quality (first pause, 3 hours)"


def test_a_live_row_update_carries_the_same_why(paused_red, organization):
    from live.models import LiveMessage

    message = LiveMessage.objects.filter(
        organization=organization, type="template.status_changed"
    ).get()

    assert (message.payload["why"], message.payload["what_to_do"]) == (
        PAUSED_RED_WHY,
        PAUSED_RED_WHAT_TO_DO,
    )


@pytest.fixture
def disabled_account(organization):
    account = factories.BusinessAccountFactory(
        organization=organization, name="Acme", ban_state="DISABLE"
    )
    number = factories.PhoneNumberFactory(
        business_account=account, display_phone_number="+1 555 000 1111", status="CONNECTED"
    )
    return account, number


def test_number_and_account_read_the_same_on_dashboard_admin_and_api(
    disabled_account, dashboard_reader, staff, admin_client
):
    account, number = disabled_account
    account_said = account_guidance(account)
    number_said = number_guidance(number)
    assert (account_said.why, account_said.what_to_do) == (
        "Meta disabled this business account.",
        "Appeal in WhatsApp Manager's Account quality page.",
    )
    assert number_said.why == "Its business account cannot send."
    assert account_said.severity is number_said.severity is Severity.PATH_BLOCKED

    dashboard = page_text(dashboard_reader.get("/dashboard/"))
    health = page_text(staff.get("/admin/templates_app/whatsapptemplate/health/"))
    account_page = page_text(
        staff.get(f"/admin/templates_app/businessaccount/{account.pk}/change/")
    )
    number_page = page_text(staff.get(f"/admin/templates_app/phonenumber/{number.pk}/change/"))
    answer = admin_client.get(f"/api/v1/whatsapp/accounts/{account.pk}/health").json()

    assert f"What to do: {account_said.what_to_do}" in dashboard
    assert account_said.why in dashboard and number_said.why in dashboard
    assert f"{account_said.why} What to do: {account_said.what_to_do}" in health
    assert f"No. {account_said.why} What to do: {account_said.what_to_do}" in account_page
    assert f"No. {number_said.why}" in number_page
    assert (answer["why"], answer["action_required"]) == (
        account_said.why,
        account_said.what_to_do,
    )
    [number_answer] = answer["phone_numbers"]
    assert (number_answer["why"], number_answer["action_required"]) == (
        number_said.why,
        number_said.what_to_do,
    )


def test_a_template_that_cannot_send_says_why_through_its_account(
    disabled_account, dashboard_reader
):
    _, number = disabled_account
    template = factories.WhatsAppTemplateFactory(phone_number=number, name="blocked_one")

    guidance = template_guidance(template)

    assert guidance.why == "It cannot send. Meta disabled this business account."
    assert guidance.severity is Severity.PATH_BLOCKED
    assert f"{guidance.why} {guidance.what_to_do}" in page_text(dashboard_reader.get("/dashboard/"))


def test_an_account_alert_email_says_the_accounts_why_and_what_to_do(
    disabled_account, organization, mailoutbox
):
    account, _ = disabled_account
    alert = factories.AlertFactory(
        template=None,
        business_account=account,
        organization=organization,
        kind="ACCOUNT_DISABLED",
        title="Business account Acme disabled by Meta.",
        data={"reason": "Meta disabled the account."},
    )

    line = messages.alert_message(alert).alerts[0]

    assert (line.why, line.what_to_do) == (
        "Meta disabled this business account.",
        "Appeal in WhatsApp Manager's Account quality page.",
    )


# Every status, quality, pending age and sending path: Python's severity and SQL's agree.
PENDING_AGES = {
    "never kept, created long ago": (None, timedelta(days=5)),
    "never kept, created now": (None, timedelta(0)),
    "waiting long": (timedelta(days=3), timedelta(days=5)),
    "waiting briefly": (timedelta(hours=1), timedelta(days=5)),
}


@pytest.fixture
def sending_paths(organization):
    """Accounts and numbers that can send, and each way one of them cannot."""
    now = timezone.now()
    make_account = factories.BusinessAccountFactory
    accounts = {
        "fine": make_account(organization=organization),
        "disabled": make_account(organization=organization, ban_state="DISABLE"),
        "offboarded": make_account(
            organization=organization, connection_state="ACCOUNT_OFFBOARDED"
        ),
        "restricted": make_account(
            organization=organization, restricted_from_starting_until=now + timedelta(hours=3)
        ),
        "restriction over": make_account(
            organization=organization, restricted_from_starting_until=now - timedelta(hours=3)
        ),
        "health blocked": make_account(organization=organization, health_blocked=True),
    }
    fine = accounts["fine"]
    numbers = {
        "none": None,
        "connected": factories.PhoneNumberFactory(business_account=fine, status="CONNECTED"),
        "banned": factories.PhoneNumberFactory(business_account=fine, status="BANNED"),
        "flagged": factories.PhoneNumberFactory(business_account=fine, status="FLAGGED"),
        "health blocked": factories.PhoneNumberFactory(business_account=fine, health_blocked=True),
    }
    paths = [(account, numbers["connected"]) for account in accounts.values()]
    paths += [(fine, number) for number in numbers.values()]
    return paths


def test_python_and_sql_give_every_template_the_same_severity(organization, sending_paths):
    now = timezone.now()
    combinations = list(
        itertools.product(
            TemplateStatus.values, QualityScore.values, PENDING_AGES.values(), sending_paths
        )
    )
    rows = [
        WhatsAppTemplate(
            organization=organization,
            business_account=account,
            phone_number=number,
            name=f"t_{n}",
            status=status,
            quality_score=quality,
            pending_since=now - waiting if waiting is not None else None,
        )
        for n, (status, quality, (waiting, _), (account, number)) in enumerate(combinations)
    ]
    WhatsAppTemplate.objects.bulk_create(rows)
    # `created_at` is set on insert: age each template by hand, as Meta's old ones are.
    for row, (_, _, (_, age), _) in zip(rows, combinations, strict=True):
        row.created_at = now - age
    WhatsAppTemplate.objects.bulk_update(rows, ["created_at"])

    templates = WhatsAppTemplate.objects.filter(organization=organization).select_related(
        "business_account", "phone_number"
    )
    by_sql = {t.pk: t.severity for t in templates.annotate(severity=severity_expression(now))}
    by_python = {t.pk: severity_of(t, now=now) for t in templates}

    assert len(by_sql) == len(rows) > 1000
    assert by_python == by_sql
    # Every severity is met somewhere, and so is needing nothing.
    assert set(by_python.values()) == {*Severity, None}


def test_a_number_alert_email_says_the_numbers_why_and_what_to_do(organization, mailoutbox):
    account = factories.BusinessAccountFactory(organization=organization, name="Acme")
    number = factories.PhoneNumberFactory(
        business_account=account, display_phone_number="+1 555 000 2222", status="FLAGGED"
    )
    alert = factories.AlertFactory(
        template=None,
        business_account=account,
        phone_number=number,
        organization=organization,
        kind="NUMBER_FLAGGED",
        title="Phone number +1 555 000 2222 flagged by Meta.",
        data={"reason": "Meta flagged the number."},
    )
    channel = factories.NotificationChannelFactory(organization=organization)

    notify.send(channel, messages.alert_message(alert), message_id="msg_1")

    said = number_guidance(number)
    assert (said.why, said.what_to_do) == (
        "Meta flagged number +1 555 000 2222 for low quality.",
        "Fix the number's quality within 7 days or its messaging limit drops.",
    )
    [email] = mailoutbox
    assert f"Why:              {said.why}" in email.body
    assert f"What to do:       {said.what_to_do}" in email.body


def _queries_of(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/",
        "/admin/templates_app/whatsapptemplate/health/",
        "/admin/templates_app/whatsapptemplate/?attention=yes",
        "/api/v1/whatsapp/templates/?page_size=100",
        "/api/v1/whatsapp/templates/critical",
    ],
)
def test_the_words_of_many_templates_cost_no_query_per_row(
    url, disabled_account, phone_number, dashboard_reader, staff, admin_client
):
    _, blocked_number = disabled_account
    make = factories.WhatsAppTemplateFactory
    client = (
        admin_client if url.startswith("/api/") else staff if "admin" in url else dashboard_reader
    )

    def add(count: int) -> None:
        for _ in range(count):
            make(phone_number=phone_number, status="PAUSED", quality_score="RED")
            make(phone_number=blocked_number)

    add(2)
    _queries_of(client, url)  # the first visit fills caches (the session, content types)
    few = _queries_of(client, url)
    add(10)
    many = _queries_of(client, url)

    assert many == few
