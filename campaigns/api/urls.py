from django.urls import path

from campaigns.api.views import (
    CampaignDetailView,
    CampaignFallbacksView,
    CampaignListCreateView,
    CampaignPauseView,
    CampaignResumeView,
    CampaignSwitchView,
)
from pytake.api.routes import with_optional_slash

urlpatterns = with_optional_slash(
    [
        path("", CampaignListCreateView.as_view(), name="campaign-list"),
        path("<uuid:pk>/", CampaignDetailView.as_view(), name="campaign-detail"),
        path("<uuid:pk>/pause/", CampaignPauseView.as_view(), name="campaign-pause"),
        path("<uuid:pk>/resume/", CampaignResumeView.as_view(), name="campaign-resume"),
        path("<uuid:pk>/fallbacks/", CampaignFallbacksView.as_view(), name="campaign-fallbacks"),
        path("<uuid:pk>/switch-template/", CampaignSwitchView.as_view(), name="campaign-switch"),
    ]
)
