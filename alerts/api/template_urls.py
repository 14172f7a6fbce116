"""Alert views that live under /api/v1/whatsapp/, beside the templates they describe."""

from django.urls import path

from alerts.api.views import OrganizationTemplateAcknowledgeAlertView, TemplateAcknowledgeAlertView
from pytake.api.routes import with_optional_slash

urlpatterns = with_optional_slash(
    [
        path(
            "templates/<uuid:template_id>/acknowledge-alert/",
            OrganizationTemplateAcknowledgeAlertView.as_view(),
            name="organization-template-acknowledge-alert",
        ),
        path(
            "<uuid:number_id>/templates/<uuid:template_id>/acknowledge-alert/",
            TemplateAcknowledgeAlertView.as_view(),
            name="template-acknowledge-alert",
        ),
    ]
)
