from django.urls import path

from alerts.api.views import AlertAcknowledgeView, AlertListView, AlertResolveView
from pytake.api.routes import with_optional_slash

urlpatterns = with_optional_slash(
    [
        path("", AlertListView.as_view(), name="alert-list"),
        path("<uuid:pk>/acknowledge/", AlertAcknowledgeView.as_view(), name="alert-acknowledge"),
        path("<uuid:pk>/resolve/", AlertResolveView.as_view(), name="alert-resolve"),
    ]
)
