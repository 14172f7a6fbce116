"""The admin, one organization per staff user.

Superusers see and edit every organization. A staff user who is not a superuser works inside
their own organization only: `OrganizationScopedMixin` narrows, for them, the changelist, the
object lookup (and so every change, delete, history and password view), every foreign-key and
many-to-many choice, the list filters and the actions, and sets `organization` itself. For
everyone, a form that points at rows of two organizations is refused with a form error.
Models that belong to no organization (tokens, task results, groups) are for superusers only.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult
from knox.models import AuthToken

from organizations import services
from organizations.models import Organization, User

# How far to follow foreign keys looking for a model's organization (PhoneNumber needs two).
MAX_ORGANIZATION_DEPTH = 3


def organization_path(model: type[models.Model], depth: int = 0) -> str | None:
    """The lookup from `model` to its Organization ("pk" for Organization itself), or None.

    The first foreign key to Organization wins; else the first foreign key whose model has
    a path, e.g. PhoneNumber → "business_account__organization".
    """
    if model is Organization:
        return "pk"
    relations = [
        f
        for f in model._meta.concrete_fields
        if f.many_to_one or f.one_to_one  # foreign keys
    ]
    for field in relations:
        if field.related_model is Organization:
            return field.name
    if depth >= MAX_ORGANIZATION_DEPTH:
        return None
    for field in relations:
        if field.related_model is model:
            continue
        further = organization_path(field.related_model, depth + 1)
        if further is not None and further != "pk":
            return f"{field.name}__{further}"
    return None


def scope(queryset: QuerySet, organization_id: Any, *, path: str | None = None) -> QuerySet:
    """Rows of `queryset` that belong to the organization; rows of ownerless models as they are.

    `path` is the lookup to the organization when the model's first one is not the right one.
    """
    path = path or organization_path(queryset.model)
    if path is None:
        return queryset
    if organization_id is None:
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


def is_scoped(request: HttpRequest) -> bool:
    """Whether this person sees one organization only (every staff user but superusers)."""
    return not request.user.is_superuser


class OrganizationScopedMixin:
    """Narrows a ModelAdmin to the staff user's organization. See the module's docstring."""

    # The lookup from the model to its organization; found by `organization_path` if unset.
    organization_field: str | None = None

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if not is_scoped(request):
            return queryset
        return scope(queryset, request.user.organization_id, path=self.organization_field)

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

        class OneOrganizationForm(form_class):
            def clean(form) -> dict:
                cleaned = super().clean()
                refuse_other_organizations(form, cleaned, organization_id=organization_id)
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
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not is_scoped(request) and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not is_scoped(request) and super().has_delete_permission(request, obj)


# Fields only a superuser may set on a user (the dates are records, not choices).
PRIVILEGE_FIELDS = ["is_superuser", "is_staff", "last_login", "date_joined"]


@admin.register(User)
class UserAdmin(OrganizationScopedMixin, DjangoUserAdmin):
    """Staff see their organization's users, never a superuser, and grant no more than theirs."""

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
        return readonly

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
