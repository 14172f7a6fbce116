from django.urls import path

from organizations.api.views import OrganizationListCreateView, OrganizationUserListCreateView

urlpatterns = [
    path("", OrganizationListCreateView.as_view(), name="organization-list"),
    path("<uuid:pk>/users/", OrganizationUserListCreateView.as_view(), name="organization-users"),
]
