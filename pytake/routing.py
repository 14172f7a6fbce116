"""WebSocket routes. Live per-organization updates are added by the live-updates work."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
