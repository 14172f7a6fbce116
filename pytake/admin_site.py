"""The project's admin site: Django's, with the health views that read across apps."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class PyTakeAdminSite(admin.AdminSite):
    """Every app registers its own admins here; dashboard adds its health views' URLs."""

    index_template = "admin/dashboard/index.html"

    def get_urls(self) -> list:
        from dashboard.admin_views import admin_urls

        # Before the admins' own: the template's and the delivery's pages are dashboard's.
        return [*admin_urls(self), *super().get_urls()]


class PyTakeAdminConfig(AdminConfig):
    default_site = "pytake.admin_site.PyTakeAdminSite"
