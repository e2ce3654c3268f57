"""ASGI entry point: HTTP through Django, sockets through Channels.

Sockets are authenticated by the session cookie and refused unless their
Origin — scheme, host and port — is one of SITE_ORIGINS (a page on another
site cannot open a socket with a member's cookie; community/origin.py).
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alumni.settings")

import django
from django.conf import settings

django.setup(set_prefix=False)

from django.core.handlers.asgi import ASGIHandler  # noqa: E402

from community.asgi_http import PooledThreadsHandler  # noqa: E402

# Django's ASGI handler, with page views on a pool of long-lived threads
# (HTTP_THREADS=0: Django's own, a thread per request).
django_asgi_app = PooledThreadsHandler(settings.HTTP_THREADS) if settings.HTTP_THREADS else ASGIHandler()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from alumni.routing import websocket_urlpatterns  # noqa: E402
from community.socket_entry import SocketEntry  # noqa: E402

# The origin check, the connect gate (a burst of connects waits its turn
# before any database work), cookies, session, user and routing, in one step.
websocket_application = SocketEntry(websocket_urlpatterns)

application = ProtocolTypeRouter({"http": django_asgi_app, "websocket": websocket_application})

# Loaded now rather than in the first member's request or message (a
# server that starts into a reconnect storm pays these once, up front): the
# URL patterns, which the first reverse() would import, and the crisis
# classifier, which the first message would read.
from django.urls import get_resolver  # noqa: E402

from groups.detection.detector import get_model  # noqa: E402

get_resolver().url_patterns  # noqa: B018 - the property imports every URLconf
get_model()

# Everything imported so far lives as long as the process: move it out of the
# garbage collector's sight, so that a full collection (which otherwise walks
# ~150,000 objects, ~100 ms here) does not pause pages and sockets.
import gc  # noqa: E402

gc.freeze()

# Each open socket keeps about 110 objects the collector tracks (190 when
# these thresholds were chosen), so at 2,000 sockets a full collection walks
# 200,000-400,000 of them: 100-280 ms during which no socket or page is
# served. With Python's default thresholds (700, 10, 10) the short-lived
# cycles of page views and deliveries were promoted fast enough to start one
# every few seconds under the community day's traffic (11 full collections
# in a 2,000-member step; its slowest message took 166-195 ms). Young
# collections 14x rarer let those cycles die young: no full collection ran
# while the sockets were open, and the step's slowest message took 40-47 ms
# (bench/results/2026-12-06.analysis.md). A full collection still runs once
# the long-lived objects have grown by a quarter.
#
# Rare collections need a closed socket to leave no reference cycle behind
# (community.realtime.frames): the cycles each closed socket used to leave
# outlived two young collections and piled up until a full one (+180 MiB in
# the first 40 minutes of a soak with 20 reconnects a second).
GC_THRESHOLDS = (10_000, 20, 20)
gc.set_threshold(*GC_THRESHOLDS)
