"""HTTP goes to Django (behind the body limit), WebSocket to Channels.

Served by Uvicorn (`--lifespan off`: Channels' router does not speak lifespan), which streams
request bodies to the application, so BodyLimitMiddleware can refuse one before it is read.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pytake.settings")

# Django must be set up before anything imports models (the WebSocket routes do).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from live.routing import websocket_urlpatterns  # noqa: E402
from pytake.body_limit import BodyLimitMiddleware  # noqa: E402
from pytake.metrics import CountLiveConnections  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": BodyLimitMiddleware(django_asgi_app),
        "websocket": CountLiveConnections(
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)
