from django.urls import path

from organizations.api.views import OrganizationListCreateView, OrganizationUserListCreateView
from pytake.api.routes import with_optional_slash

urlpatterns = with_optional_slash(
    [
        path("", OrganizationListCreateView.as_view(), name="organization-list"),
        path(
            "<uuid:pk>/users/", OrganizationUserListCreateView.as_view(), name="organization-users"
        ),
    ]
)
