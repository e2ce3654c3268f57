"""ASGI module for the plain Channels room: same settings and channel layer
as the app (in-memory, or Redis pub/sub when REDIS_URL is set), none of its
middleware. Run: daphne bench.baselines.plain_asgi:application"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")

import django

django.setup()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from bench.baselines.plain_room import PlainRoomConsumer  # noqa: E402

application = ProtocolTypeRouter({"websocket": URLRouter([path("ws/rooms/<slug:slug>/", PlainRoomConsumer.as_asgi())])})
