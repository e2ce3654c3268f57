"""The app's ASGI stack (alumni/asgi.py) with another room consumer."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

import community.routing  # noqa: E402


def build(consumer):
    urls = [*community.routing.websocket_urlpatterns, path("ws/rooms/<slug:slug>/", consumer.as_asgi())]
    return ProtocolTypeRouter(
        {"http": django_asgi_app, "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(urls)))}
    )
