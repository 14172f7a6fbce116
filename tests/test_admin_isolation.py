"""Every ModelAdmin registered, seen by a staff user who is not a superuser.

Table-driven over `admin.site._registry`, so a ModelAdmin added later is covered here: the
admin of a model that belongs to no organization (or a superusers-only one) must refuse
staff; any other must show, offer, filter and act on the staff user's organization only.
"""

from __future__ import annotations

import inspect

import factory
import pytest
from django.contrib import admin
from django.contrib.admin.filters import RelatedFieldListFilter
from django.contrib.auth.models import Permission
from django.db import models
from django.forms import ModelChoiceField
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

from organizations.admin import (
    OrganizationScopedMixin,
    SuperuserOnlyMixin,
    organization_of,
    organization_path,
)
from organizations.models import Organization, User
from tests import factories

pytestmark = pytest.mark.django_db


def _label(item) -> str:
    return item[0]._meta.label


REGISTRY = sorted(admin.site._registry.items(), key=_label)
SUPERUSERS_ONLY = [
    (model, model_admin)
    for model, model_admin in REGISTRY
    if isinstance(model_admin, SuperuserOnlyMixin) or organization_path(model) is None
]
SCOPED = [item for item in REGISTRY if item not in SUPERUSERS_ONLY]


def factory_for(model: type[models.Model]) -> type[factory.django.DjangoModelFactory]:
    candidates = [
        f
        for _, f in inspect.getmembers(factories, inspect.isclass)
        if issubclass(f, factory.django.DjangoModelFactory) and f._meta.model is model
    ]
    assert candidates, f"Add a factory for {model._meta.label} to tests/factories.py."
    return next((f for f in candidates if f.__name__ == f"{model.__name__}Factory"), candidates[0])


def staff_of(organization: Organization) -> User:
    """A staff user of `organization` holding every permission there is, but no superuser."""
    staff = factories.OrgAdminFactory(organization=organization, is_staff=True)
    staff.user_permissions.set(Permission.objects.all())
    return User.objects.get(pk=staff.pk)  # a fresh permission cache


def browser(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def admin_url(model: type[models.Model], view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


class Case:
    """One ModelAdmin: a row of one organization, its staff user, and a row of another."""

    def __init__(self, model: type[models.Model], model_admin: admin.ModelAdmin) -> None:
        self.model, self.model_admin = model, model_admin
        make = factory_for(model)
        self.own, self.foreign = make(), make()
        self.organization_id = organization_of(self.own)
        assert self.organization_id is not None
        assert organization_of(self.foreign) != self.organization_id
        self.staff = staff_of(Organization.objects.get(pk=self.organization_id))
        self.client = browser(self.staff)

    def foreign_state(self) -> dict:
        row = self.model._default_manager.filter(pk=self.foreign.pk).first()
        return model_to_dict(row) if row is not None else {}


@pytest.fixture
def case(request) -> Case:
    return Case(*request.param)


scoped_cases = pytest.mark.parametrize(
    "case", SCOPED, ids=[_label(item) for item in SCOPED], indirect=True
)


def test_the_tables_cover_the_registry():
    assert len(SCOPED) + len(SUPERUSERS_ONLY) == len(admin.site._registry)
    labels = {_label(item) for item in SUPERUSERS_ONLY}
    assert {"knox.AuthToken", "django_tasks_database.DBTaskResult", "auth.Group"} <= labels
    assert {"campaigns.Campaign", "organizations.User", "templates_app.WhatsAppTemplate"} <= {
        _label(item) for item in SCOPED
    }


@pytest.mark.parametrize(
    ("model", "model_admin"), SUPERUSERS_ONLY, ids=[_label(item) for item in SUPERUSERS_ONLY]
)
def test_staff_cannot_open_what_is_for_superusers_only(model, model_admin):
    client = browser(staff_of(factories.OrganizationFactory()))

    assert client.get(admin_url(model, "changelist")).status_code == 403
    assert client.get(admin_url(model, "add")).status_code == 403


@scoped_cases
def test_admin_of_organization_data_uses_the_scoped_base(case):
    assert isinstance(case.model_admin, OrganizationScopedMixin)


@scoped_cases
def test_changelist_lists_only_the_staff_users_organization(case):
    response = case.client.get(admin_url(case.model, "changelist"))

    assert response.status_code == 200
    listed = {row.pk for row in response.context["cl"].queryset}
    assert case.own.pk in listed
    assert case.foreign.pk not in listed
    assert {organization_of(row) for row in response.context["cl"].queryset} == {
        case.organization_id
    }


@scoped_cases
def test_another_organizations_row_cannot_be_opened(case):
    for view in ("change", "delete", "history"):
        response = case.client.get(admin_url(case.model, view, case.foreign.pk))

        assert response.status_code in (302, 403, 404), view
    own = case.client.get(admin_url(case.model, "change", case.own.pk))
    assert own.status_code == 200


@scoped_cases
def test_every_choice_in_the_forms_is_of_the_staff_users_organization(case):
    pages = [case.client.get(admin_url(case.model, "change", case.own.pk))]
    if case.model_admin.has_add_permission(pages[0].wsgi_request):
        pages.append(case.client.get(admin_url(case.model, "add")))
    for page in pages:
        form = page.context["adminform"].form
        for name, field in form.fields.items():
            if isinstance(field, ModelChoiceField):
                owners = {organization_of(row) for row in field.queryset} - {None}
                assert owners <= {case.organization_id}, name
        assert "organization" not in form.fields  # set from the staff user, never chosen


@scoped_cases
def test_list_filters_offer_no_organization_and_no_foreign_rows(case):
    response = case.client.get(admin_url(case.model, "changelist"))

    for spec in response.context["cl"].filter_specs:
        field = getattr(spec, "field", None)
        assert getattr(field, "related_model", None) is not Organization
        if isinstance(spec, RelatedFieldListFilter):
            offered = field.related_model._default_manager.filter(
                pk__in=[pk for pk, _ in spec.lookup_choices]
            )
            assert {organization_of(row) for row in offered} - {None} <= {case.organization_id}


@scoped_cases
def test_actions_do_nothing_to_another_organizations_rows(case):
    before = case.foreign_state()
    actions = case.model_admin.get_actions(
        case.client.get(admin_url(case.model, "changelist")).wsgi_request
    )

    for name in actions:
        case.client.post(
            admin_url(case.model, "changelist"),
            {"action": name, "_selected_action": [str(case.foreign.pk)], "post": "yes"},
        )

    assert case.foreign_state() == before
