"""Every route of the REST API, read from the URLconf: a new endpoint is covered without a new test.

Nobody unauthenticated gets in (401), a member writes nothing (403), and another
organization's objects answer 404, whatever the route and the method.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from tests import factories

pytestmark = pytest.mark.django_db

# Open to everyone, each for its own reason: Meta signs the webhook, a token is asked for with a
# password, the API's description (its schema, docs and the links at its root) is public.
# Routes are named without their trailing slash: each answers with and without it.
PUBLIC_ROUTES = {
    "api/v1",
    "api/v1/auth/token",
    "api/v1/whatsapp/webhook",
    "api/schema",
    "api/docs",
}
# What a member may write: ending their own token, or all of them.
MEMBER_WRITES = {("api/v1/auth/logout", "post"), ("api/v1/auth/logout-all", "post")}
WRITE_METHODS = ("post", "put", "patch", "delete")
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def api_routes(patterns: list | None = None, prefix: str = "") -> Iterator[tuple[str, type]]:
    """(route, view class) for every route under api/, as the URLconf declares it."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from api_routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            view = getattr(pattern.callback, "cls", None) or getattr(
                pattern.callback, "view_class", None
            )
            if route.startswith("api/") and view is not None:
                yield route, view


def methods_of(view: type) -> list[str]:
    return [
        method
        for method in ("get", *WRITE_METHODS)
        if hasattr(view, method) and method in view.http_method_names
    ]


ROUTES = sorted(api_routes())
PRIVATE = [
    (route, method)
    for route, view in ROUTES
    if route.rstrip("/") not in PUBLIC_ROUTES
    for method in methods_of(view)
]


@dataclass
class Organization:
    """One organization with one of everything the API names in a URL."""

    organization: Any
    account: Any
    number: Any
    template: Any
    campaign: Any
    alert: Any
    channel: Any


def make_organization() -> Organization:
    organization = factories.OrganizationFactory()
    number = factories.PhoneNumberFactory(business_account__organization=organization)
    template = factories.WhatsAppTemplateFactory(phone_number=number)
    return Organization(
        organization=organization,
        account=number.business_account,
        number=number,
        template=template,
        campaign=factories.CampaignFactory(template=template),
        alert=factories.AlertFactory(template=template),
        channel=factories.NotificationChannelFactory(organization=organization),
    )


# A `pk` is the object of the collection it follows in the route.
PK_OF_COLLECTION = {
    "organizations": "organization",
    "campaigns": "campaign",
    "alerts": "alert",
    "channels": "channel",
}
OBJECT_OF_PARAMETER = {"account_id": "account", "number_id": "number", "template_id": "template"}


def url_of(route: str, world: Organization) -> str:
    def object_id(match: re.Match) -> str:
        name = match.group(1)
        if name == "pk":
            collection = route[: match.start()].rstrip("/").rsplit("/", 1)[-1]
            return str(getattr(world, PK_OF_COLLECTION[collection]).pk)
        return str(getattr(world, OBJECT_OF_PARAMETER[name]).pk)

    return "/" + PARAMETER.sub(object_id, route)


def request(client: APIClient, method: str, url: str):
    return getattr(client, method)(url, {}, format="json")


@pytest.fixture
def ours() -> Organization:
    return make_organization()


@pytest.fixture
def theirs() -> Organization:
    return make_organization()


def client_of(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_every_route_can_be_named_by_this_test():
    # A new route with a parameter this test cannot fill must be taught here, not skipped.
    world = make_organization()
    for route, _view in ROUTES:
        assert url_of(route, world).startswith("/api/")


@pytest.mark.parametrize(("route", "method"), PRIVATE)
def test_unauthenticated_requests_are_refused_with_401(route, method, ours):
    response = request(APIClient(), method, url_of(route, ours))

    assert response.status_code == 401, (route, method, response.content[:200])
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("route", "method"),
    [(r, m) for r, m in PRIVATE if m in WRITE_METHODS and (r.rstrip("/"), m) not in MEMBER_WRITES],
)
def test_a_member_writes_nothing(route, method, ours):
    member = factories.UserFactory(organization=ours.organization)

    response = request(client_of(member), method, url_of(route, ours))

    assert response.status_code == 403, (route, method, response.content[:200])


@pytest.mark.parametrize(("route", "method"), [(r, m) for r, m in PRIVATE if PARAMETER.search(r)])
def test_another_organizations_objects_answer_404(route, method, ours, theirs):
    admin = factories.OrgAdminFactory(organization=ours.organization)

    response = request(client_of(admin), method, url_of(route, theirs))

    assert response.status_code == 404, (route, method, response.content[:200])
