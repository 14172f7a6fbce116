"""The project's admin site: Django's, with the health views that read across apps, and the
audit trail of what people change in it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.db.models import Model
from django.db.models.base import ModelBase


class PyTakeAdminSite(admin.AdminSite):
    """Every app registers its own admins here; dashboard adds its health views' URLs."""

    index_template = "admin/dashboard/index.html"
    site_header = "PyTake"
    site_title = "PyTake admin"
    index_title = "Site administration"

    def register(
        self,
        model_or_iterable: type[Model] | Iterable[type[Model]],
        admin_class: type[admin.ModelAdmin] | None = None,
        **options: Any,
    ) -> None:
        """Register as Django does; an admin of a model the audit trail follows (templates,
        campaigns: `audit.services.ADMIN_AUDITED_MODELS`) also records each addition and change
        a person makes in it, whichever app the admin lives in (templates_app may not import
        audit)."""
        from audit.admin_changes import AuditedChangesMixin
        from audit.services import ADMIN_AUDITED_MODELS

        super().register(model_or_iterable, admin_class, **options)
        models = (
            [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else model_or_iterable
        )
        for model in models:
            if (model._meta.app_label, model._meta.model_name) not in ADMIN_AUDITED_MODELS:
                continue
            registered = type(self._registry[model])
            if not issubclass(registered, AuditedChangesMixin):
                audited = type(registered.__name__, (AuditedChangesMixin, registered), {})
                self._registry[model] = audited(model, self)

    def get_urls(self) -> list:
        from dashboard.admin_views import admin_urls

        # Before the admins' own: the template's and the delivery's pages are dashboard's.
        return [*admin_urls(self), *super().get_urls()]


class PyTakeAdminConfig(AdminConfig):
    default_site = "pytake.admin_site.PyTakeAdminSite"
