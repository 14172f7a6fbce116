"""WebSocket routes."""

from django.urls import URLPattern, path

from live.consumers import LiveUpdatesConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/updates/", LiveUpdatesConsumer.as_asgi(), name="live-updates"),
]
