"""Audit views that live under /api/v1/whatsapp/, beside the templates they describe."""

from django.urls import path

from audit.api.views import TemplateStatusHistoryView

urlpatterns = [
    path(
        "<uuid:number_id>/templates/<uuid:template_id>/status-history",
        TemplateStatusHistoryView.as_view(),
        name="template-status-history",
    ),
]
