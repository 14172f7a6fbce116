"""One API, answered the same way everywhere: JSON for every path and method, both slash styles,
Bearer beside Token, filters in any letter case, one null convention, a root that lists it all."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from alerts.models import Alert
from campaigns.models import Campaign
from templates_app.meta import status_update_body
from templates_app.models import QualityScore, TemplateStatus
from tests import factories
from tests.conftest import PAYLOADS_TEMPLATE_ID, PAYLOADS_WABA_ID
from tests.test_route_security import ROUTES, make_organization, url_of
from tests.webhooks import signed_post

pytestmark = pytest.mark.django_db

EVERY_METHOD = ("get", "post", "put", "patch", "delete", "head", "options")


def session_client(user) -> Client:
    """A browser's session, sending no CSRF token: what the dashboard's scripts could send."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


# --- unknown paths -----------------------------------------------------------------------------


@pytest.mark.parametrize("route", sorted({route for route, _view in ROUTES}))
def test_a_mistyped_path_beside_every_route_answers_json_404_for_every_method(route):
    world = make_organization()
    client = session_client(factories.OrgAdminFactory(organization=world.organization))
    mistyped = url_of(route, world).rstrip("/") + "-mistyped/"

    for method in EVERY_METHOD:
        response = getattr(client, method)(mistyped)

        assert response.status_code == 404, (method, mistyped, response.content[:200])
        assert response["Content-Type"] == "application/json", (method, mistyped)
        if method != "head":
            assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("method", EVERY_METHOD)
def test_an_unknown_path_answers_json_404_with_a_token_too(method, admin_client):
    response = getattr(admin_client, method)("/api/v1/no-such-thing")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_csrf_still_guards_a_real_endpoint_for_a_session(organization):
    client = session_client(factories.OrgAdminFactory(organization=organization))

    response = client.post("/api/v1/notifications/channels/", {"name": "Ops"})

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


# --- one slash style, the other answered too ---------------------------------------------------

GET_ROUTES = sorted(
    route.rstrip("/")
    for route, view in ROUTES
    if route.endswith("/") and hasattr(view, "get") and "webhook" not in route
)


@pytest.mark.parametrize("route", GET_ROUTES)
def test_every_read_answers_with_and_without_its_trailing_slash(route):
    world = make_organization()
    client = APIClient()
    client.force_authenticate(factories.OrgAdminFactory(organization=world.organization))
    url = url_of(route, world)

    without_slash = client.get(url)
    with_slash = client.get(url + "/")

    assert without_slash.status_code == with_slash.status_code == 200, url
    assert without_slash["Content-Type"] == with_slash["Content-Type"]
    if route.startswith("api/v1"):
        assert with_slash["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "url", ["/api/v1/auth/token", "/api/v1/auth/token/"], ids=["without", "with"]
)
def test_a_write_answers_in_both_slash_styles(url, api_client, org_admin):
    org_admin.set_password("correct horse")
    org_admin.save()

    response = api_client.post(
        url, {"username": org_admin.username, "password": "correct horse"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["token"]


def test_the_schema_lists_one_style_only(member_client):
    paths = member_client.get("/api/schema/?format=json").json()["paths"]

    assert "/api/v1/alerts/" in paths
    assert "/api/v1/whatsapp/templates/critical/" in paths
    assert all(path.endswith("/") for path in paths), sorted(paths)


# --- the root ----------------------------------------------------------------------------------


def test_the_root_lists_every_top_level_endpoint_and_each_answers(admin_client):
    endpoints = admin_client.get("/api/v1/").json()["endpoints"]

    for name in (
        "alerts",
        "templates",
        "critical",
        "quality_summary",
        "notifications",
        "audit",
        "campaigns",
        "accounts",
        "numbers",
        "organizations",
        "auth_token",
        "webhook",
    ):
        assert name in endpoints, name
    for name, url in endpoints.items():
        if name.startswith("auth") or name == "webhook":
            continue
        assert admin_client.get(url).status_code == 200, (name, url)


# --- Bearer beside Token -----------------------------------------------------------------------


def token_of(user) -> str:
    from knox.models import AuthToken

    _instance, key = AuthToken.objects.create(user=user)
    return key


@pytest.mark.parametrize("prefix", ["Bearer", "bearer", "Token"])
def test_a_token_is_accepted_after_bearer_or_token(prefix, org_admin):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{prefix} {token_of(org_admin)}")

    assert client.get("/api/v1/alerts/").status_code == 200


@pytest.mark.parametrize("header", ["Bearer", "Bearer not-a-token", "Bearer two parts"])
def test_a_bad_bearer_header_is_a_401(header, org_admin):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get("/api/v1/alerts/")

    assert response.status_code == 401
    assert response.json()["detail"]


# --- acknowledge-alert without a number --------------------------------------------------------


def test_acknowledge_alert_under_the_organizations_templates(admin_client, phone_number):
    template = factories.WhatsAppTemplateFactory(phone_number=phone_number)
    alert = factories.AlertFactory(template=template)

    response = admin_client.post(f"/api/v1/whatsapp/templates/{template.pk}/acknowledge-alert/")

    assert response.status_code == 200, response.content
    assert response.json()["template_id"] == str(template.pk)
    alert.refresh_from_db()
    assert alert.status == Alert.Status.ACKNOWLEDGED


def test_acknowledge_alert_of_another_organizations_template_is_a_404(
    admin_client, other_phone_number
):
    template = factories.WhatsAppTemplateFactory(phone_number=other_phone_number)
    alert = factories.AlertFactory(template=template)

    response = admin_client.post(f"/api/v1/whatsapp/templates/{template.pk}/acknowledge-alert")

    assert response.status_code == 404
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN


def test_a_member_cannot_acknowledge_under_the_organizations_templates(member_client, phone_number):
    template = factories.WhatsAppTemplateFactory(phone_number=phone_number)
    factories.AlertFactory(template=template)

    response = member_client.post(f"/api/v1/whatsapp/templates/{template.pk}/acknowledge-alert/")

    assert response.status_code == 403


# --- one null / empty convention ---------------------------------------------------------------


def test_no_reason_is_empty_and_nothing_sent_is_a_null_rate(member_client, phone_number):
    template = factories.WhatsAppTemplateFactory(
        phone_number=phone_number,
        status=TemplateStatus.DISABLED,
        disabled_reason="",
        sent_count=0,
        failed_count=0,
    )

    critical = member_client.get("/api/v1/whatsapp/templates/critical").json()
    listed = member_client.get("/api/v1/whatsapp/templates/").json()["results"]

    [row] = [row for row in critical["critical_templates"] if row["id"] == str(template.pk)]
    assert row["disabled_reason"] == ""
    assert row["failure_rate"] is None
    assert [t["disabled_reason"] for t in listed if t["id"] == str(template.pk)] == [""]


def test_a_rate_is_a_number_once_something_was_sent(admin_client, phone_number):
    factories.WhatsAppTemplateFactory(
        phone_number=phone_number,
        quality_score=QualityScore.RED,
        sent_count=200,
        failed_count=50,
    )

    [row] = admin_client.get("/api/v1/whatsapp/templates/critical/").json()["critical_templates"]
    summary = admin_client.get("/api/v1/whatsapp/templates/quality-summary/").json()

    assert row["failure_rate"] == 0.25
    assert summary["quality_summary"]["avg_failure_rate"] == 0.25


def test_the_summary_rates_are_null_when_nothing_was_sent(admin_client, phone_number):
    factories.WhatsAppTemplateFactory(phone_number=phone_number, sent_count=0)

    summary = admin_client.get("/api/v1/whatsapp/templates/quality-summary/").json()

    assert summary["quality_summary"]["avg_failure_rate"] is None
    assert summary["quality_summary"]["avg_success_rate"] is None


def test_the_schema_says_which_fields_may_be_null(member_client):
    components = member_client.get("/api/schema/?format=json").json()["components"]["schemas"]

    assert components["Template"]["properties"]["phone_number"]["nullable"] is True
    assert components["CriticalTemplate"]["properties"]["failure_rate"]["nullable"] is True
    assert "nullable" not in components["CriticalTemplate"]["properties"]["disabled_reason"]


def test_a_template_meta_created_lists_a_null_phone_number(member_client, meta_waba):
    template = factories.WhatsAppTemplateFactory(
        business_account=meta_waba, phone_number=None, name="learned"
    )

    response = member_client.get(f"/api/v1/whatsapp/templates/{template.pk}/")

    assert response.status_code == 200
    assert response.json()["phone_number"] is None


# --- filters in any letter case ----------------------------------------------------------------


@pytest.mark.parametrize("severity", ["critical", "Critical", "CRITICAL"])
def test_alert_filters_accept_any_letter_case(severity, member_client, phone_number):
    template = factories.WhatsAppTemplateFactory(phone_number=phone_number)
    critical = factories.AlertFactory(template=template, severity=Alert.Severity.CRITICAL)
    factories.AlertFactory(
        template=template, severity=Alert.Severity.WARNING, kind=Alert.Kind.TEMPLATE_PAUSED
    )

    response = member_client.get("/api/v1/alerts/", {"severity": severity, "status": "open"})

    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()["results"]] == [str(critical.pk)]


def test_template_campaign_and_audit_filters_accept_any_letter_case(
    member_client, admin_client, phone_number
):
    paused = factories.WhatsAppTemplateFactory(
        phone_number=phone_number, status=TemplateStatus.PAUSED, quality_score=QualityScore.RED
    )
    factories.WhatsAppTemplateFactory(phone_number=phone_number, name="fine")
    campaign = factories.CampaignFactory(template=paused, status=Campaign.Status.PAUSED)

    templates = member_client.get(
        "/api/v1/whatsapp/templates/", {"status": ["paused", "Disabled"], "quality": "red"}
    )
    attention = member_client.get("/api/v1/whatsapp/templates/", {"needs_attention": "TRUE"})
    campaigns = member_client.get("/api/v1/campaigns/", {"status": "paused"})
    audit = admin_client.get("/api/v1/audit/", {"actor_type": "META"})

    assert [row["id"] for row in templates.json()["results"]] == [str(paused.pk)]
    assert [row["id"] for row in attention.json()["results"]] == [str(paused.pk)]
    assert [row["id"] for row in campaigns.json()["results"]] == [str(campaign.pk)]
    assert audit.status_code == 200


@pytest.mark.parametrize(
    ("url", "params", "valid"),
    [
        ("/api/v1/alerts/", {"severity": "urgent"}, "INFO, WARNING, CRITICAL"),
        ("/api/v1/alerts/", {"kind": "100%"}, "100% is not one of the valid values: TEMPLATE_"),
        ("/api/v1/whatsapp/templates/", {"status": "PAUSD"}, "PENDING, APPROVED, REJECTED"),
        ("/api/v1/campaigns/", {"status": "stopped"}, "DRAFT, SCHEDULED, ACTIVE"),
        ("/api/v1/audit/", {"actor_type": "robot"}, "meta, sync, user, system"),
    ],
)
def test_a_value_outside_a_filters_choices_is_a_400_listing_the_valid_ones(
    url, params, valid, admin_client
):
    response = admin_client.get(url, params)

    assert response.status_code == 400
    [(field, [message])] = response.json().items()
    assert field == next(iter(params))
    assert valid in message, message


# --- bad input answers 400, never 500 ----------------------------------------------------------


@pytest.mark.parametrize("token", ["tøken", "tok\u00a0en", "EAAB\x00"])
def test_an_access_token_an_http_header_cannot_carry_is_a_400(token, admin_client):
    response = admin_client.post(
        "/api/v1/whatsapp/accounts/",
        {"waba_id": "123456789", "name": "Shop", "access_token": token},
        format="json",
    )

    assert response.status_code == 400, response.content
    assert "access_token" in response.json()


@pytest.mark.parametrize(
    "until",
    ["0273-02-17T08:27:53+22:24", "2026-01-01T00:00:00-23:59", "9999-12-31T23:59:59-14:00"],
)
def test_an_audit_time_with_any_offset_is_read_as_utc(until, admin_client):
    response = admin_client.get("/api/v1/audit/", {"until": until, "since": until})

    assert response.status_code in (200, 400), response.content
    assert response["Content-Type"] == "application/json"


def test_an_audit_time_with_a_far_offset_answers_200(admin_client):
    response = admin_client.get("/api/v1/audit/", {"until": "0273-02-17T08:27:53+22:24"})

    assert response.status_code == 200, response.content
    assert response.json()["results"] == []


def test_an_audit_time_beyond_the_years_a_database_holds_is_a_400(admin_client):
    response = admin_client.get("/api/v1/audit/", {"since": "0001-01-01T00:00:00+01:00"})

    assert response.status_code == 400
    assert "since" in response.json()


# --- the schema describes every operation ------------------------------------------------------


def operations(client) -> list[tuple[str, str, dict]]:
    paths = client.get("/api/schema/?format=json").json()["paths"]
    return [
        (path, method, operation)
        for path, item in paths.items()
        for method, operation in item.items()
        if method in EVERY_METHOD
    ]


def test_every_operation_has_a_summary_and_a_description(member_client):
    missing = [
        (method, path)
        for path, method, operation in operations(member_client)
        if not operation.get("summary") or not operation.get("description")
    ]

    assert missing == []


def test_every_operation_documents_its_error_answers(member_client):
    undocumented = []
    for path, method, operation in operations(member_client):
        expected = set()
        if operation.get("security") != [{}] and "webhook" not in path and path != "/api/v1/":
            expected |= {"401", "403"}
        if "{" in path:
            expected.add("404")
        # Meta's handshake answers 403 to any query it does not expect, never 400.
        if "webhook" not in path and any(
            parameter["in"] == "query" for parameter in operation.get("parameters", [])
        ):
            expected.add("400")
        if "requestBody" in operation:
            expected.add("400")
        missing = expected - set(operation["responses"])
        if missing:
            undocumented.append((method, path, sorted(missing)))

    assert undocumented == []


# --- the webhook counts what it did ------------------------------------------------------------


def test_the_webhook_answer_counts_changes_paused_campaigns_and_raised_alerts(
    client, webhook_settings, order_update
):
    factories.CampaignFactory(template=order_update)
    factories.CampaignFactory(template=order_update, status=Campaign.Status.SCHEDULED)
    body = status_update_body(
        waba_id=PAYLOADS_WABA_ID,
        event="DISABLED",
        template_id=PAYLOADS_TEMPLATE_ID,
        name="order_update",
        language="en_US",
        occurred_at=1732435200,
    )

    response = signed_post(client, body)

    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer == {
        "delivery": answer["delivery"],
        "status": "processed",
        "changes": 1,
        "campaigns_paused": 2,
        "alerts_raised": 1,
    }
    assert Campaign.objects.filter(status=Campaign.Status.PAUSED).count() == 2
    assert Alert.objects.filter(template=order_update).count() == 1


def test_the_same_delivery_again_answers_the_same_counts(client, webhook_settings, order_update):
    factories.CampaignFactory(template=order_update)
    body = status_update_body(
        waba_id=PAYLOADS_WABA_ID,
        event="PAUSED",
        template_id=PAYLOADS_TEMPLATE_ID,
        name="order_update",
        language="en_US",
        occurred_at=1732435200,
    )

    first = signed_post(client, body).json()
    again = signed_post(client, body).json()

    assert first["campaigns_paused"] == 1
    assert again == first


def test_an_ignored_delivery_counts_nothing(client, webhook_settings, order_update):
    body = status_update_body(
        waba_id=PAYLOADS_WABA_ID,
        event="APPROVED",
        template_id=PAYLOADS_TEMPLATE_ID,
        name="order_update",
        language="en_US",
        occurred_at=1732435200,
    )

    answer = signed_post(client, body).json()

    assert answer["changes"] == answer["campaigns_paused"] == answer["alerts_raised"] == 0
