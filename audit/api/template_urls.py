"""Audit views that live under /api/v1/whatsapp/, beside the templates they describe."""

from django.urls import path

from audit.api.views import (
    OrganizationTemplateStatusHistoryView,
    QualitySummaryView,
    TemplateStatusHistoryView,
)
from pytake.api.routes import with_optional_slash

urlpatterns = with_optional_slash(
    [
        path(
            "templates/quality-summary/",
            QualitySummaryView.as_view(),
            name="template-quality-summary",
        ),
        path(
            "templates/<uuid:template_id>/status-history/",
            OrganizationTemplateStatusHistoryView.as_view(),
            name="organization-template-status-history",
        ),
        path(
            "<uuid:number_id>/templates/<uuid:template_id>/status-history/",
            TemplateStatusHistoryView.as_view(),
            name="template-status-history",
        ),
    ]
)
