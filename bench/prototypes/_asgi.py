"""The app's ASGI stack (alumni/asgi.py) with another room consumer."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.urls import path  # noqa: E402

import community.routing  # noqa: E402
from community.socket_entry import SocketEntry  # noqa: E402


def build(consumer):
    urls = [*community.routing.websocket_urlpatterns, path("ws/rooms/<slug:slug>/", consumer.as_asgi())]
    return ProtocolTypeRouter({"http": django_asgi_app, "websocket": SocketEntry(urls)})
