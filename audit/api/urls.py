from django.urls import path

from audit.api.views import AuditLogListView
from pytake.api.routes import with_optional_slash

urlpatterns = with_optional_slash(
    [
        path("", AuditLogListView.as_view(), name="audit-list"),
    ]
)
