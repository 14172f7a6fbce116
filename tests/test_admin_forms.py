"""Every registered admin's add and change forms, posted by a staff user who is not a superuser.

Table-driven over `admin.site._registry` (through test_admin_isolation's tables), so a model
admin added later is covered here too. Each form is posted as a browser would send it, read from
the page: unchanged, emptied, with a name holding a line break, and pointing at another
organization's rows. Whatever is posted, the answer is a page or a redirect (never a 500), and
nothing lands in another organization.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.core import checks
from django.forms import ModelChoiceField
from django.test import Client

from organizations.admin import OrganizationScopedAdmin, organization_of
from templates_app.models import WebhookDelivery
from tests import factories
from tests.test_admin_isolation import SCOPED, Case, _label, admin_url, staff_of

pytestmark = pytest.mark.django_db


class FormReader(HTMLParser):
    """The fields a browser would submit from the page's change form, with their values."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def _add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.inside = attributes.get("id") == self.form_id
        if not self.inside or "disabled" in attributes:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "text")
            if kind in ("submit", "button", "image", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                return
            self._add(name, attributes.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attributes:
            self._add(self._select, attributes.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # A browser drops the one newline that follows <textarea>.
            self.data[self._textarea][-1] = self.data[self._textarea][-1].removeprefix("\n")
            self._textarea = None


def form_data(page, model) -> dict[str, list[str]]:
    reader = FormReader(f"{model._meta.model_name}_form")
    reader.feed(page.content.decode())
    reader.data.pop("csrfmiddlewaretoken", None)
    return reader.data


def rows_of_other_organizations(case: Case) -> set:
    return {
        row.pk
        for row in case.model._default_manager.all()
        if organization_of(row) != case.organization_id
    }


def foreign_choices(case: Case, form) -> dict[str, list[str]]:
    """Each model choice of `form` set to the row the other organization's row has there."""
    chosen = {}
    for name, field in form.fields.items():
        if not isinstance(field, ModelChoiceField):
            continue
        related = getattr(case.foreign, name, None)
        if hasattr(related, "all"):
            related = related.first()
        if related is not None and organization_of(related) not in (None, case.organization_id):
            chosen[name] = [str(related.pk)]
    return chosen


def assert_answered(response) -> None:
    assert response.status_code in (200, 302, 403), response.status_code


@pytest.fixture
def case(request) -> Case:
    return Case(*request.param)


scoped_cases = pytest.mark.parametrize(
    "case", SCOPED, ids=[_label(item) for item in SCOPED], indirect=True
)


@scoped_cases
def test_the_unchanged_change_form_saves(case):
    url = admin_url(case.model, "change", case.own.pk)
    page = case.client.get(url)
    may_change = case.model_admin.has_change_permission(page.wsgi_request, case.own)

    response = case.client.post(url, form_data(page, case.model))

    assert response.status_code == (302 if may_change else 403), (
        response.context["adminform"].form.errors if response.status_code == 200 else ""
    )
    case.own.refresh_from_db()
    assert organization_of(case.own) == case.organization_id


@scoped_cases
def test_the_change_form_offers_and_keeps_only_the_staff_users_organizations_rows(case):
    url = admin_url(case.model, "change", case.own.pk)
    page = case.client.get(url)
    form = page.context["adminform"].form
    for name, field in form.fields.items():
        if isinstance(field, ModelChoiceField):
            offered = {organization_of(row) for row in field.queryset}
            assert offered <= {None, case.organization_id}, name
    # Whatever the page does not offer is posted anyway, as a forged form would.
    foreign = foreign_choices(case, form)
    before = {name: getattr(case.own, f"{name}_id", None) for name in foreign}

    response = case.client.post(url, {**form_data(page, case.model), **foreign})

    assert response.status_code in ((200, 403) if foreign else (200, 302, 403))
    if foreign and response.status_code == 200:
        assert set(foreign) <= set(response.context["adminform"].form.errors)
    case.own.refresh_from_db()
    assert {name: getattr(case.own, f"{name}_id", None) for name in foreign} == before
    assert organization_of(case.own) == case.organization_id


@scoped_cases
def test_a_name_with_a_line_break_never_lands(case):
    url = admin_url(case.model, "change", case.own.pk)
    page = case.client.get(url)
    editable = "name" in page.context["adminform"].form.fields
    before = getattr(case.own, "name", None)

    response = case.client.post(
        url, {**form_data(page, case.model), "name": ["Acme\r\nBcc: everyone@example.com"]}
    )

    if editable:  # refused with a reason; where the form has no name, the posted one is ignored
        assert response.status_code == 200
        assert "control character" in response.context["adminform"].form.errors["name"][0]
    else:
        assert response.status_code in (200, 302, 403)
    case.own.refresh_from_db()
    assert getattr(case.own, "name", None) == before


@scoped_cases
def test_the_add_form_answers_and_adds_only_to_the_staff_users_organization(case):
    url = admin_url(case.model, "add")
    page = case.client.get(url)
    if not case.model_admin.has_add_permission(page.wsgi_request):
        assert page.status_code == 403
        return
    assert page.status_code == 200
    own_page = case.client.get(admin_url(case.model, "change", case.own.pk))
    copied = {
        name: values
        for name, values in form_data(own_page, case.model).items()
        if name in page.context["adminform"].form.fields
    }
    foreign = foreign_choices(case, page.context["adminform"].form)
    others = rows_of_other_organizations(case)

    for data in ({}, form_data(page, case.model), copied, {**copied, **foreign}):
        assert_answered(case.client.post(url, data))

    assert rows_of_other_organizations(case) == others


@scoped_cases
def test_an_empty_add_form_is_a_form_error(case):
    url = admin_url(case.model, "add")
    page = case.client.get(url)
    if page.status_code == 403:
        return
    count = case.model._default_manager.count()

    response = case.client.post(url, {})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert case.model._default_manager.count() == count


# --- the scoping fails closed ------------------------------------------------------------------


class UndeclaredAdmin(OrganizationScopedAdmin):
    """An organization-scoped admin that forgot to say how its model reaches an organization."""


def test_a_scoped_admin_without_a_path_to_an_organization_shows_nothing(organization):
    factories.WebhookDeliveryFactory.create_batch(2)
    site = admin.AdminSite(name="undeclared")
    model_admin = UndeclaredAdmin(WebhookDelivery, site)
    client = Client()
    client.force_login(staff_of(organization))
    request = client.get("/admin/").wsgi_request

    assert list(model_admin.get_queryset(request)) == []
    errors = [error for error in model_admin.check() if error.id == "pytake.E001"]
    assert errors and errors[0].level == checks.ERROR
    assert "declares no organization_field" in errors[0].msg


def test_every_registered_scoped_admin_declares_a_path_to_an_organization():
    problems = [
        error.msg
        for model_admin in admin.site._registry.values()
        for error in model_admin.check()
        if error.id == "pytake.E001"
    ]

    assert problems == []
    assert all(model_admin.organization_field for _, model_admin in SCOPED)
