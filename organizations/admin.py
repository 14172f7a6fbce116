"""The admin, one organization per staff user.

Superusers see and edit every organization. A staff user who is not a superuser works inside
their own organization only: `OrganizationScopedMixin` narrows, for them, the changelist, the
object lookup (and so every change, delete, history and password view), every foreign-key and
many-to-many choice, the list filters and the actions, and sets `organization` itself. For
everyone, a form that points at rows of two organizations is refused with a form error, and a
form's data is checked by the services that write it, so that the admin refuses what the API
refuses. Each scoped admin declares its model's path to an organization (`organization_field`);
a model without one is no organization's, and scoped staff see none of it (fail closed).
Models that belong to no organization (tokens, task results, groups) are for superusers only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import NotRelationField, get_fields_from_path, unquote
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, Permission
from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult
from knox.models import AuthToken

from organizations import services
from organizations.models import Organization, User
from organizations.permissions import can_administer
from pytake.exceptions import ApplicationError
from pytake.names import check_name


def organization_path(model: type[models.Model]) -> str | None:
    """The declared lookup from `model` to its Organization ("pk" for Organization itself).

    Declared by the model's organization-scoped admin (`organization_field`); None for a model
    that has none, which the scoping then treats as no organization's: it fails closed.
    """
    if model is Organization:
        return "pk"
    model_admin = admin.site._registry.get(model)
    if isinstance(model_admin, OrganizationScopedMixin):
        return model_admin.organization_field
    return None


def scope(queryset: QuerySet, organization_id: Any, *, path: str | None = None) -> QuerySet:
    """Rows of `queryset` that belong to the organization; none at all for a model whose path
    to an organization is not declared (fail closed).

    `path` is the lookup to the organization; by default the one declared for the model.
    """
    path = path or organization_path(queryset.model)
    if path is None or organization_id is None:
        return queryset.none()
    return queryset.filter(**{path: organization_id})


def organization_of(obj: models.Model) -> Any:
    """The id of the organization `obj` belongs to, or None when it belongs to none."""
    path = organization_path(type(obj))
    if path is None:
        return None
    if path == "pk":
        return obj.pk
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id")


def path_error(model: type[models.Model], path: str | None) -> str | None:
    """Why `path` is not a lookup from `model` to its Organization, or None when it is."""
    if path is None:
        return "declares no organization_field: its rows would be no organization's"
    if path == "pk":
        return None if model is Organization else "'pk' is the path of Organization only"
    try:
        last = get_fields_from_path(model, path)[-1]
    except (FieldDoesNotExist, NotRelationField):
        return f"organization_field {path!r} is not a lookup of {model._meta.label}"
    if getattr(last, "related_model", None) is not Organization:
        return f"organization_field {path!r} does not lead to Organization"
    return None


def add_service_error(form: forms.BaseForm, error: ApplicationError) -> None:
    """A service's refusal as form errors: on each field it names that the form shows, else on
    the whole form."""
    placed = False
    for name, sentences in error.extra.items():
        # Field errors are lists of sentences; other values (ids, statuses) say what, not why.
        if name not in form.fields or name in form.errors or not isinstance(sentences, list):
            continue
        for message in sentences:
            form.add_error(name, str(message))
        placed = True
    if not placed:
        form.add_error(None, error.message)


def is_scoped(request: HttpRequest) -> bool:
    """Whether this person sees one organization only (every staff user but superusers)."""
    return not request.user.is_superuser


class OrganizationScopedMixin:
    """Narrows a ModelAdmin to the staff user's organization. See the module's docstring."""

    # The lookup from the model to its organization, declared by every scoped admin.
    organization_field: str | None = None

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        problem = path_error(self.model, self.organization_field)
        if problem is not None:
            errors.append(
                checks.Error(f"{type(self).__name__} {problem}.", obj=self, id="pytake.E001")
            )
        return errors

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if not is_scoped(request):
            return queryset
        if self.organization_field is None:
            return queryset.none()
        return scope(queryset, request.user.organization_id, path=self.organization_field)

    def clean_with_services(self, request: HttpRequest, form: forms.ModelForm, obj: Any) -> None:
        """Ask the services whether they accept the form's data (an ApplicationError becomes a
        form error), so that the admin refuses exactly what the API refuses."""

    def _has_own_organization_field(self) -> bool:
        try:
            field = self.model._meta.get_field("organization")
        except FieldDoesNotExist:
            return False
        return field.related_model is Organization

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        # Set from the staff user's own organization in save_model, never chosen.
        if is_scoped(request) and self._has_own_organization_field():
            readonly.append("organization")
        return readonly

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return self._narrow_choices(formfield, request)

    def formfield_for_manytomany(
        self, db_field: models.ManyToManyField, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        return self._narrow_choices(formfield, request)

    def _narrow_choices(self, formfield: forms.Field | None, request: HttpRequest) -> Any:
        if formfield is not None and is_scoped(request) and hasattr(formfield, "queryset"):
            formfield.queryset = scope(formfield.queryset, request.user.organization_id)
        return formfield

    def get_list_display(self, request: HttpRequest) -> list[Any]:
        columns = list(super().get_list_display(request))
        # Staff of one organization: the same name on every row says nothing.
        return (
            [column for column in columns if column != "organization"]
            if is_scoped(request)
            else columns
        )

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        filters = list(super().get_list_filter(request))
        if not is_scoped(request):
            return filters
        narrowed = []
        for spec in filters:
            name = spec[0] if isinstance(spec, tuple | list) else spec
            if not isinstance(name, str):
                narrowed.append(spec)  # a SimpleListFilter class: it filters the queryset
                continue
            last_field = get_fields_from_path(self.model, name)[-1]
            if last_field.is_relation and last_field.related_model is Organization:
                continue  # one organization: nothing to filter by
            if last_field.is_relation:
                # Offer only the related rows this organization's rows point at.
                narrowed.append((name, admin.RelatedOnlyFieldListFilter))
            else:
                narrowed.append(spec)
        return narrowed

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> type:
        form_class = super().get_form(request, obj, **kwargs)
        organization_id = request.user.organization_id if is_scoped(request) else None
        model_admin = self

        class OneOrganizationForm(form_class):
            def clean(form) -> dict:
                cleaned = super().clean()
                refuse_other_organizations(form, cleaned, organization_id=organization_id)
                if not form.errors:
                    try:
                        model_admin.clean_with_services(request, form, obj)
                    except ApplicationError as error:
                        add_service_error(form, error)
                return cleaned

        OneOrganizationForm.__name__ = form_class.__name__
        return OneOrganizationForm

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if is_scoped(request) and self._has_own_organization_field():
            obj.organization_id = request.user.organization_id
        super().save_model(request, obj, form, change)


def refuse_other_organizations(
    form: forms.ModelForm, cleaned: dict, *, organization_id: Any = None
) -> None:
    """A form error on every chosen row of another organization than the form's.

    The form's organization is the staff user's (`organization_id`), else its own
    `organization` choice or its instance's, else that of the first row chosen.
    """
    expected = organization_id
    if expected is None and isinstance(cleaned.get("organization"), Organization):
        expected = cleaned["organization"].pk
    if expected is None and form.instance is not None and not form.instance._state.adding:
        expected = organization_of(form.instance)
    for name, value in list(cleaned.items()):
        if name == "organization" or name not in form.fields:
            continue
        chosen = list(value) if isinstance(value, QuerySet | list | tuple) else [value]
        for row in chosen:
            if not isinstance(row, models.Model):
                continue
            owner = organization_of(row)
            if owner is None:
                continue
            if expected is None:
                expected = owner
            elif owner != expected:
                form.add_error(name, f"{row} belongs to another organization than this form.")
                break


# What a page action says once done: a sentence, or a message level and a sentence.
Said = str | tuple[int, str]


class PageActionsMixin:
    """Buttons on an object's page (Acknowledge, Sync from Meta, Send test): each `<name>` in
    `page_actions` is served by `<name>_view` at `<id>/<name>/` (underscores as dashes) and named
    `<app>_<model>_<name>`; `act_on_page` is what every such view does."""

    page_actions: tuple[str, ...] = ()

    def get_urls(self) -> list:
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            *(
                path(
                    f"<path:object_id>/{name.replace('_', '-')}/",
                    self.admin_site.admin_view(getattr(self, f"{name}_view")),
                    name=f"{prefix}_{name}",
                )
                for name in self.page_actions
            ),
            *super().get_urls(),
        ]

    def act_on_page(
        self,
        request: HttpRequest,
        object_id: str,
        *,
        refused: str,
        act: Callable[[Any], Said],
    ) -> HttpResponse:
        """POST only, organization admins only (else `refused`), then `act` through its
        service; what it says (or the service's refusal) is shown on the object's page."""
        prefix = f"admin:{self.opts.app_label}_{self.opts.model_name}"
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return HttpResponseRedirect(reverse(f"{prefix}_changelist"))
        page = reverse(f"{prefix}_change", args=[obj.pk])
        if request.method != "POST":
            return HttpResponseRedirect(page)
        if not can_administer(request.user, obj.organization_id):
            messages.error(request, refused)
            return HttpResponseRedirect(page)
        try:
            said = act(obj)
        except ApplicationError as error:
            messages.warning(request, error.message)
        else:
            level, sentence = said if isinstance(said, tuple) else (messages.SUCCESS, said)
            messages.add_message(request, level, sentence)
        return HttpResponseRedirect(page)


class OrganizationScopedAdmin(OrganizationScopedMixin, admin.ModelAdmin):
    """The base of every ModelAdmin of organization-owned data."""


def adopt_created(obj: Any, created: Any) -> None:
    """The admin goes on (log entry, redirect) with the row the service created."""
    obj.pk = created.pk
    obj._state.adding = False
    obj.refresh_from_db()


def soft_deleted_objects(model_admin: admin.ModelAdmin, objs, request: HttpRequest) -> tuple:
    """What the delete confirmation lists for a soft delete: the objects themselves."""
    perms_needed = set()
    for obj in objs:
        if not model_admin.has_delete_permission(request, obj):
            perms_needed.add(model_admin.opts.verbose_name)
    objs = list(objs)
    return (
        [str(obj) for obj in objs],
        {model_admin.opts.verbose_name_plural: len(objs)},
        perms_needed,
        [],
    )


@admin.register(Organization)
class OrganizationAdmin(OrganizationScopedAdmin):
    organization_field = "pk"
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not is_scoped(request) and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not is_scoped(request) and super().has_delete_permission(request, obj)

    def clean_with_services(self, request: HttpRequest, form: forms.ModelForm, obj: Any) -> None:
        check_name(form.cleaned_data["name"])

    def save_model(self, request: HttpRequest, obj: Organization, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            services.update_organization(organization=obj, name=data["name"], slug=data["slug"])
        else:
            created = services.create_organization(name=data["name"], slug=data["slug"])
            adopt_created(obj, created)


# Fields only a superuser may set on a user (the dates are records, not choices).
PRIVILEGE_FIELDS = ["is_superuser", "is_staff", "last_login", "date_joined"]
# Roles from the least to the most privileged: staff grant no role above their own.
ROLE_RANKS = {User.Role.MEMBER: 0, User.Role.ORG_ADMIN: 1}


def grantable_roles(user: User) -> list[str]:
    """The roles `user` may give (their own and those below it); every role for a superuser."""
    if user.is_superuser:
        return list(ROLE_RANKS)
    own = ROLE_RANKS.get(user.role, 0)
    return [role for role, rank in ROLE_RANKS.items() if rank <= own]


@admin.register(User)
class UserAdmin(OrganizationScopedMixin, DjangoUserAdmin):
    """Staff see their organization's users, never a superuser, and grant no more than theirs."""

    organization_field = "organization"
    list_display = ["username", "email", "organization", "role", "is_staff", "is_superuser"]
    list_filter = ["role", "organization", "is_staff", "is_superuser"]
    list_select_related = ["organization"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        ("Organization", {"fields": ["organization", "role"]}),
    ]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        ("Organization", {"fields": ["organization", "role"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        queryset = super().get_queryset(request)
        return queryset.filter(is_superuser=False) if is_scoped(request) else queryset

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None and is_scoped(request):
            # The new user joins the staff user's organization (set in save_model).
            return [
                (
                    title,
                    {**options, "fields": [f for f in options["fields"] if f != "organization"]},
                )
                for title, options in fieldsets
            ]
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        if is_scoped(request) and obj is not None:
            readonly += PRIVILEGE_FIELDS
            # A role the staff user may not grant, they may not take away either.
            if obj.role not in grantable_roles(request.user):
                readonly.append("role")
        return readonly

    def formfield_for_choice_field(
        self, db_field: models.Field, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name == "role" and is_scoped(request):
            allowed = grantable_roles(request.user)
            kwargs["choices"] = [(v, label) for v, label in db_field.choices if v in allowed]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def formfield_for_manytomany(
        self, db_field: models.ManyToManyField, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        if formfield is not None and is_scoped(request):
            formfield.queryset = grantable(db_field.related_model, request.user)
        return formfield

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> type:
        form_class = super().get_form(request, obj, **kwargs)
        if not is_scoped(request) or obj is None:
            return form_class

        class KeepUngrantableForm(form_class):
            def clean(form) -> dict:
                cleaned = super().clean()
                # What the staff user may not grant, they may not take away either: it stays.
                for name in ("groups", "user_permissions"):
                    if name in cleaned and name in form.fields:
                        kept = getattr(obj, name).exclude(pk__in=form.fields[name].queryset)
                        cleaned[name] = form.fields[name].queryset.model.objects.filter(
                            Q(pk__in=cleaned[name]) | Q(pk__in=kept)
                        )
                return cleaned

        KeepUngrantableForm.__name__ = form_class.__name__
        return KeepUngrantableForm


def grantable(model: type[models.Model], user: User) -> QuerySet:
    """The groups or permissions `user` holds, and so may give to others."""
    if model is Group:
        return user.groups.all()
    if model is Permission:
        held = [perm.split(".", 1) for perm in user.get_all_permissions()]
        condition = Q(pk__in=[])
        for app_label, codename in held:
            condition |= Q(content_type__app_label=app_label, codename=codename)
        return Permission.objects.filter(condition)
    return model._default_manager.none()


# --- records -----------------------------------------------------------------------------------


class RecordAdminMixin:
    """A record of what happened (an audit entry, a delivery, a sync): read, never written here."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- superusers only ---------------------------------------------------------------------------


class SuperuserOnlyMixin:
    """Rows of no organization (or of all of them): only superusers see or touch them."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser and super().has_delete_permission(request, obj)


admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class AuthTokenAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    """API tokens by owner and expiry; never their key (stored hashed). Deleting revokes."""

    list_display = ["user", "created", "expiry"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    fields = ["user", "created", "expiry"]
    readonly_fields = fields
    actions = ["revoke_selected"]

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # revoke_selected says what it does
        return actions

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a key is shown once, to whoever asked for it: POST /api/v1/auth/token

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: AuthToken) -> None:
        services.revoke_token(token=obj)

    @admin.action(description="Revoke selected tokens", permissions=["delete"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[AuthToken]) -> None:
        for token in queryset:
            services.revoke_token(token=token)
        self.message_user(request, f"{len(queryset)} token(s) revoked.")


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(SuperuserOnlyMixin, DjangoGroupAdmin):
    """Groups carry permissions across organizations: superusers define them."""


admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(SuperuserOnlyMixin, DBTaskResultAdmin):
    """Task arguments and results of every organization: superusers only."""
