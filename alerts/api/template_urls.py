"""Alert views that live under /api/v1/whatsapp/, beside the templates they describe."""

from django.urls import path

from alerts.api.views import TemplateAcknowledgeAlertView

urlpatterns = [
    path(
        "<uuid:number_id>/templates/<uuid:template_id>/acknowledge-alert",
        TemplateAcknowledgeAlertView.as_view(),
        name="template-acknowledge-alert",
    ),
]
