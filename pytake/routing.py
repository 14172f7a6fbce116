"""WebSocket routes."""

from django.urls import URLPattern, path

from organizations.consumers import LiveUpdatesConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/updates/", LiveUpdatesConsumer.as_asgi(), name="live-updates"),
]
