from django.urls import path

from alerts.api.views import ChannelDetailView, ChannelListCreateView, ChannelTestView
from pytake.api.routes import with_optional_slash

urlpatterns = with_optional_slash(
    [
        path("channels/", ChannelListCreateView.as_view(), name="notification-channel-list"),
        path(
            "channels/<uuid:pk>/", ChannelDetailView.as_view(), name="notification-channel-detail"
        ),
        path(
            "channels/<uuid:pk>/test/", ChannelTestView.as_view(), name="notification-channel-test"
        ),
    ]
)
