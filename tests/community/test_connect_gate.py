"""A burst of connects does its database work a few at a time: the gate,
as every socket meets it, in community.socket_entry."""

import asyncio

import pytest
from django.conf import settings
from django.urls import path

from community import connect_gate
from community.socket_entry import SocketEntry

pytestmark = pytest.mark.asyncio


def gate_app(inner, limit, monkeypatch):
    """`inner` as the consumer of a socket that comes in through SocketEntry
    from the site's own origin, with a gate of `limit` places."""
    monkeypatch.setattr(connect_gate, "_gates", connect_gate.weakref.WeakKeyDictionary())
    monkeypatch.setattr(connect_gate.settings, "WS_CONNECTS_AT_ONCE", limit, raising=False)
    entry = SocketEntry([path("ws/gate/", inner)])
    origin = settings.SITE_ORIGINS[0].encode()

    async def app(scope, receive, send):
        return await entry({"path": "/ws/gate/", "headers": [(b"origin", origin)], **scope}, receive, send)

    return app


async def _noop_receive():
    await asyncio.sleep(3600)


async def test_at_most_the_limit_connect_at_once_and_accept_frees_a_slot(monkeypatch):
    busy, peak, accepted = [0], [0], []
    release_all = asyncio.Event()

    async def inner(scope, receive, send):
        busy[0] += 1
        peak[0] = max(peak[0], busy[0])
        await asyncio.sleep(0.01)  # the connect's database work
        busy[0] -= 1
        await send({"type": "websocket.accept"})
        accepted.append(scope["client"])
        await release_all.wait()  # the socket stays open

    app = gate_app(inner, 3, monkeypatch)

    async def send(message):
        pass

    tasks = [asyncio.create_task(app({"type": "websocket", "client": i}, _noop_receive, send)) for i in range(10)]
    for _ in range(100):
        if len(accepted) == 10:
            break
        await asyncio.sleep(0.01)
    # Every socket got in although all ten stay open: the slot went back at accept.
    assert sorted(accepted) == list(range(10))
    assert peak[0] == 3
    release_all.set()
    await asyncio.gather(*tasks)


async def test_a_consumer_can_hold_its_slot_past_accept_until_done(monkeypatch):
    order = []
    release_first = asyncio.Event()

    async def inner(scope, receive, send):
        slot = connect_gate.current_slot.get()
        if scope["client"] == 0:
            slot.hold_past_accept = True
            await send({"type": "websocket.accept"})
            order.append("first accepted")
            await release_first.wait()  # sending its resume backlog
            order.append("first done")
            slot.release()
        else:
            order.append("second starts")
            await send({"type": "websocket.accept"})

    app = gate_app(inner, 1, monkeypatch)

    async def send(message):
        pass

    first = asyncio.create_task(app({"type": "websocket", "client": 0}, _noop_receive, send))
    second = asyncio.create_task(app({"type": "websocket", "client": 1}, _noop_receive, send))
    await asyncio.sleep(0.05)
    assert order == ["first accepted"]
    release_first.set()
    await asyncio.gather(first, second)
    assert order == ["first accepted", "first done", "second starts"]


async def test_a_failing_connect_gives_its_slot_back(monkeypatch):
    async def inner(scope, receive, send):
        if scope["client"] == 0:
            raise RuntimeError("database went away")
        await send({"type": "websocket.close", "code": 4403})

    app = gate_app(inner, 1, monkeypatch)

    async def send(message):
        pass

    with pytest.raises(RuntimeError):
        await app({"type": "websocket", "client": 0}, _noop_receive, send)
    await asyncio.wait_for(app({"type": "websocket", "client": 1}, _noop_receive, send), timeout=2)


@pytest.mark.django_db(transaction=True)  # Channels' consumer closes stale connections
async def test_a_handshake_from_another_site_is_refused_without_waiting_for_a_place(monkeypatch):
    release_first = asyncio.Event()

    async def inner(scope, receive, send):
        await release_first.wait()  # holds the only place

    app = gate_app(inner, 1, monkeypatch)

    async def send(message):
        pass

    first = asyncio.create_task(app({"type": "websocket", "client": 0}, _noop_receive, send))
    await asyncio.sleep(0.02)
    sent = []

    async def record(message):
        sent.append(message)

    foreign_receive, feeder = _scripted_receive(
        [(0, {"type": "websocket.connect"}), (0.05, {"type": "websocket.disconnect", "code": 1006})]
    )
    scope = {"type": "websocket", "client": 1, "headers": [(b"origin", b"https://elsewhere.example")]}
    await asyncio.wait_for(app(scope, foreign_receive, record), timeout=2)
    assert [m["type"] for m in sent] == ["websocket.close"]  # refused (403) while the place was taken
    release_first.set()
    await first
    feeder.cancel()


def _scripted_receive(messages):
    """A client that sends `messages` (after the given delays) and then waits."""
    queue: asyncio.Queue = asyncio.Queue()

    async def feed():
        for delay, message in messages:
            await asyncio.sleep(delay)
            queue.put_nowait(message)

    task = asyncio.get_running_loop().create_task(feed())
    return queue.get, task


async def test_a_queued_client_that_leaves_costs_no_connect_work(monkeypatch):
    started, release_first = [], asyncio.Event()

    async def inner(scope, receive, send):
        started.append(scope["client"])
        assert (await receive())["type"] == "websocket.connect"  # replayed to the app
        await release_first.wait()
        await send({"type": "websocket.accept"})

    app = gate_app(inner, 1, monkeypatch)

    async def send(message):
        pass

    first_receive, feeder1 = _scripted_receive([(0, {"type": "websocket.connect"})])
    second_receive, feeder2 = _scripted_receive(
        [(0, {"type": "websocket.connect"}), (0.05, {"type": "websocket.disconnect", "code": 1006})]
    )
    first = asyncio.create_task(app({"type": "websocket", "client": 0}, first_receive, send))
    await asyncio.sleep(0.02)
    second = asyncio.create_task(app({"type": "websocket", "client": 1}, second_receive, send))
    await asyncio.wait_for(second, timeout=2)  # gave up while queued
    release_first.set()
    await asyncio.wait_for(first, timeout=2)
    assert started == [0]
    # The slot is free again.
    third_receive, feeder3 = _scripted_receive([(0, {"type": "websocket.connect"})])
    await asyncio.wait_for(app({"type": "websocket", "client": 2}, third_receive, send), timeout=2)
    assert started == [0, 2]
    for feeder in (feeder1, feeder2, feeder3):
        feeder.cancel()


async def test_a_connect_queued_past_the_handshake_timeout_is_dropped(monkeypatch):
    started, release_first = [], asyncio.Event()

    async def inner(scope, receive, send):
        started.append(scope["client"])
        await release_first.wait()

    app = gate_app(inner, 1, monkeypatch)
    monkeypatch.setattr(connect_gate, "WAIT_MAX", 0.1)

    async def send(message):
        pass

    first = asyncio.create_task(app({"type": "websocket", "client": 0}, _noop_receive, send))
    await asyncio.sleep(0.02)
    await asyncio.wait_for(app({"type": "websocket", "client": 1}, _noop_receive, send), timeout=2)
    assert started == [0]
    release_first.set()
    await first
