"""The way in for sockets (community.socket_entry) does in one step what
Channels' middleware stack did in six: what an open socket keeps is one
scope and a short chain of coroutines, and every rule still holds."""

import asyncio
import collections
import gc

import pytest
from channels.testing import WebsocketCommunicator

from alumni.asgi import application
from community.realtime import hub as hub_module
from community.socket_entry import SocketEntry

from .conftest import ORIGIN, open_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def _connects_from_elsewhere(room) -> bool:
    """Whether a handshake from another site's page gets in."""
    communicator = WebsocketCommunicator(
        application, f"/ws/rooms/{room.slug}/", headers=[(b"origin", b"https://elsewhere.example")]
    )
    connected, _ = await communicator.connect(timeout=3)
    await communicator.disconnect()
    return connected


def _coroutines() -> collections.Counter:
    """The coroutines that are kept (garbage collected first)."""
    gc.collect()
    return collections.Counter(o.__qualname__ for o in gc.get_objects() if type(o).__name__ == "coroutine")


async def test_an_open_socket_keeps_one_short_chain_and_nothing_of_a_middleware_stack(room, alumnus, alumnus2):
    before = _coroutines()
    sockets = [await open_socket(member, room.slug) for member in (alumnus, alumnus2)]
    await asyncio.sleep(0.2)  # presence and the rest of the connects settle
    gained = _coroutines() - before
    per_socket = {
        name: count / len(sockets)
        for name, count in gained.items()
        if count >= len(sockets) and name not in ("Queue.get", "sleep")  # the test's communicators' own
    }
    # The protocol router, the entry, the consumer application, its read
    # loop and the gate's read it waits on (Channels' stack kept 17).
    assert per_socket == {
        "ProtocolTypeRouter.__call__": 1,
        "SocketEntry.__call__": 1,
        "RoomConsumer": 1,
        "HubConsumerMixin.__call__": 1,
        "Admission.receive": 1,
    }, gained
    for middleware in ("CookieMiddleware", "SessionMiddleware", "BaseMiddleware", "URLRouter", "await_many_dispatch"):
        assert not any(middleware in name for name in gained), gained
    # Idle sockets keep no outbox, and the hub no finished task per group.
    hub = await hub_module.get_hub()
    consumers = [sock for members in hub.members.values() for sock in members]
    assert consumers
    assert all(sock._outbox is None for sock in consumers)
    assert set(map(id, hub.added.values())) == {id(hub_module.JOINED)}
    for sock in sockets:
        await sock.close()


async def test_the_scope_has_the_cookies_session_user_and_route(room, alumnus):
    from community.ws_auth import SocketUser

    entry = SocketEntry(application.application_mapping["websocket"].routes)
    scope = {
        "type": "websocket",
        "path": f"/ws/rooms/{room.slug}/",
        "headers": [ORIGIN, (b"cookie", b"sessionid=abcdefgh12345678; theme=dark")],
    }
    consumer, routed = entry.route(scope)
    assert routed["cookies"] == {"sessionid": "abcdefgh12345678", "theme": "dark"}
    assert routed["session"].session_key == "abcdefgh12345678"
    assert isinstance(routed["user"], SocketUser)
    assert routed["url_route"] == {"args": (), "kwargs": {"slug": room.slug}}
    assert "cookies" not in scope  # the server's scope is not changed
    with pytest.raises(ValueError, match="No route found"):
        entry.route({**scope, "path": "/ws/nowhere/"})
    with pytest.raises(ValueError, match="No route found"):
        entry.route({**scope, "root_path": "/community"})
    consumer2, routed = entry.route({**scope, "root_path": "/community", "path": f"/community/ws/rooms/{room.slug}/"})
    assert consumer2 is consumer
    assert routed["url_route"]["kwargs"] == {"slug": room.slug}


async def test_a_foreign_origin_is_refused_without_taking_a_place_in_the_gate(room, alumnus, monkeypatch):
    from community import connect_gate

    admitted = []
    real = connect_gate.admit
    monkeypatch.setattr(connect_gate, "admit", lambda *a: admitted.append(a) or real(*a))
    assert not await _connects_from_elsewhere(room)
    assert admitted == []


async def test_a_socket_whose_handler_fails_leaves_the_hub(room, alumnus, alumnus2, monkeypatch):
    """A handler's unexpected error ends the socket's task (the server closes
    it with 1011): the hub stops delivering to it at once."""
    from groups.consumers import RoomConsumer

    sock = await open_socket(alumnus, room.slug)
    other = await open_socket(alumnus2, room.slug)
    hub = await hub_module.get_hub()
    group = room.group_name
    assert len(hub.members[group]) == 2

    async def explode(self, text_data=None, bytes_data=None):
        raise RuntimeError("a bug in a handler")

    monkeypatch.setattr(RoomConsumer, "receive", explode)
    await sock.send({"type": "typing"})
    with pytest.raises(RuntimeError, match="a bug in a handler"):
        await sock.c.receive_output(timeout=3)
    assert len(hub.members[group]) == 1
    await other.close()


async def test_routes_must_be_plain_paths_to_consumers():
    from channels.routing import URLRouter
    from django.urls import include, path

    from groups.consumers import RoomConsumer

    SocketEntry([path("ws/rooms/<slug:slug>/", RoomConsumer.as_asgi())])
    with pytest.raises(ValueError, match="plain path"):
        SocketEntry([path("ws/", URLRouter([path("rooms/<slug:slug>/", RoomConsumer.as_asgi())]))])
    with pytest.raises(ValueError, match="plain path"):
        SocketEntry([path("ws/", include("groups.routing"))])


async def test_a_refused_origin_opens_no_channel_on_the_layer(room, monkeypatch):
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    opened = []
    real = layer.new_channel

    async def counted(*args, **kwargs):
        opened.append(args)
        return await real(*args, **kwargs)

    monkeypatch.setattr(layer, "new_channel", counted)
    assert not await _connects_from_elsewhere(room)
    assert opened == []
