"""The way in for sockets: everything between the server and a socket's
consumer, in one step.

Channels composes it from middleware — an origin check, the cookie parser,
the session, the user, the URL router — and each layer calls the next and
waits on it for as long as the socket is open: a coroutine and a copy of
the scope per layer, kept by every idle socket for hours (memory per idle
socket is one of the benchmark's goals, bench/results). SocketEntry does
the same work, by the same rules, in one coroutine that keeps one scope:

1. The Origin header must be exactly one of SITE_ORIGINS, or the handshake is
   refused (403) before anything else is done (community.origin).
2. A few sockets connect at a time; the rest wait their turn
   (community.connect_gate).
3. scope["cookies"] is the request's cookies as Channels' CookieMiddleware
   parses them; scope["session"] is the session the session cookie names
   and scope["user"] its user, both read on first use, in the consumer's
   first trip to the database thread (community.ws_auth).
4. The path is routed as Channels' outermost URLRouter routes it:
   `root_path` taken off, the leading "/" dropped, the first matching
   Django `path()` wins, its arguments and defaults in scope["url_route"].
   A path nothing matches is an error, as in Channels (the server closes
   the socket).

Channels' session middleware also wrapped `send` to save the session on an
HTTP response; a socket sends none, so nothing of that is lost.
"""

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http import parse_cookie
from django.urls import URLPattern
from django.urls.exceptions import Resolver404

from community import connect_gate
from community.origin import origin_allowed
from community.ws_auth import SocketUser, session_store


class _Denier(WebsocketDenier):
    """Refuses the handshake (403) without opening a channel-layer channel:
    a flood of cross-site handshakes costs no Redis round trip."""

    channel_layer_alias = "__socket_entry_no_layer__"


class SocketEntry:
    def __init__(self, routes):
        self.routes = list(routes)
        for route in self.routes:
            # Plain path()s to consumers: no include() or nested router,
            # which this routing (the outermost URLRouter's) does not follow.
            if not isinstance(route, URLPattern) or getattr(route.callback, "_path_routing", False):
                raise ValueError(f"SocketEntry routes plain path()s to consumers, not {route!r}")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            raise ValueError(f"SocketEntry serves sockets, not {scope['type']!r}")
        origins = [value for name, value in scope.get("headers", ()) if name == b"origin"]
        if len(origins) != 1 or not origin_allowed(origins[0]):
            return await _Denier()(scope, receive, send)
        application, scope = self.route(scope)
        admitted = await connect_gate.admit(receive, send)
        if admitted is None:
            return  # the client left, or waited past its handshake timeout
        try:
            connect_gate.current_slot.set(admitted.slot)
            return await application(scope, admitted.receive, admitted.send)
        finally:
            admitted.slot.release()

    def route(self, scope: dict) -> tuple:
        """The consumer application for the socket's path, and the scope it
        gets: the server's, with the cookies, the (lazy) session and user
        and the route's arguments added."""
        path = scope.get("path")
        if path is None:
            raise ValueError("No 'path' key in connection scope, cannot route URLs")
        root_path = scope.get("root_path", "")
        if root_path and not path.startswith(root_path):
            raise ValueError(f"No route found for path {path!r}.")
        path = path[len(root_path) :].lstrip("/")
        for route in self.routes:
            try:
                match = route.pattern.match(path)
            except Resolver404:
                continue
            if match:
                remaining, args, kwargs = match
                kwargs.update(route.default_args)
                return route.callback, self._scope(scope, remaining, args, kwargs)
        raise ValueError(f"No route found for path {path!r}.")

    @staticmethod
    def _scope(scope: dict, remaining: str, args: tuple, kwargs: dict) -> dict:
        cookies = {}
        for name, value in scope.get("headers", ()):
            if name == b"cookie":
                cookies = parse_cookie(value.decode("latin1"))
                break
        session = session_store(cookies.get(settings.SESSION_COOKIE_NAME))
        return dict(
            scope,
            cookies=cookies,
            session=session,
            user=SocketUser(session),
            path_remaining=remaining,
            url_route={"args": args, "kwargs": kwargs},
        )
