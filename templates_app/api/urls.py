from django.urls import path

from pytake.api.routes import with_optional_slash
from templates_app.api.health import BusinessAccountHealthView, OrganizationHealthView
from templates_app.api.views import (
    BusinessAccountListCreateView,
    BusinessAccountSyncView,
    CriticalTemplatesView,
    OrganizationTemplateDetailView,
    OrganizationTemplateListView,
    PhoneNumberListCreateView,
    SyncRunListView,
    TemplateDetailView,
    TemplateListCreateView,
    TemplateUnpauseView,
)
from templates_app.webhooks import WhatsAppWebhookView

urlpatterns = with_optional_slash(
    [
        path("webhook/", WhatsAppWebhookView.as_view(), name="whatsapp-webhook"),
        path("accounts/", BusinessAccountListCreateView.as_view(), name="business-account-list"),
        path(
            "accounts/<uuid:account_id>/sync/",
            BusinessAccountSyncView.as_view(),
            name="business-account-sync",
        ),
        path("accounts/<uuid:account_id>/syncs/", SyncRunListView.as_view(), name="sync-run-list"),
        path(
            "accounts/<uuid:account_id>/health/",
            BusinessAccountHealthView.as_view(),
            name="business-account-health",
        ),
        path("health/", OrganizationHealthView.as_view(), name="organization-health"),
        path("numbers/", PhoneNumberListCreateView.as_view(), name="phone-number-list"),
        path(
            "templates/", OrganizationTemplateListView.as_view(), name="organization-template-list"
        ),
        path("templates/critical/", CriticalTemplatesView.as_view(), name="critical-templates"),
        path(
            "templates/<uuid:template_id>/",
            OrganizationTemplateDetailView.as_view(),
            name="organization-template-detail",
        ),
        path(
            "templates/<uuid:template_id>/unpause/",
            TemplateUnpauseView.as_view(),
            name="template-unpause",
        ),
        path("<uuid:number_id>/templates/", TemplateListCreateView.as_view(), name="template-list"),
        path(
            "<uuid:number_id>/templates/<uuid:template_id>/",
            TemplateDetailView.as_view(),
            name="template-detail",
        ),
    ]
)
