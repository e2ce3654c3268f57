"""Each socket has its own bounded outbox: a slow socket never holds up the
others, a socket that falls too far behind or whose delivery fails is closed
with 4000 (its client resumes) — never left open and deaf. Decided by gates
and barriers, not by timing."""

import asyncio

import pytest

from community.realtime import group_send
from community.realtime import hub as hub_module

from .conftest import open_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture(autouse=True)
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 1000}}
    }


async def _consumer_of(user, group):
    hub = await hub_module.get_hub()
    for sock in hub.members.get(group, {}):
        if getattr(sock, "user", None) is not None and sock.user.pk == user.pk:
            return sock
    raise AssertionError("no socket for that user in the hub")


async def _pong(group, n):
    await group_send(group, {"type": "frame", "text": f'{{"type":"pong","n":{n}}}'})


async def test_a_slow_socket_does_not_hold_up_the_others(room, alumnus, alumnus2):
    slow_client, fast_client = await open_socket(alumnus, room.slug), await open_socket(alumnus2, room.slug)
    slow = await _consumer_of(alumnus, room.group_name)
    gate = asyncio.Event()
    deliver = slow.frame

    async def stuck(event):
        await gate.wait()
        await deliver(event)

    slow.frame = stuck
    for n in range(5):
        await _pong(room.group_name, n)
    # The fast socket has all five while the slow one is still stuck on the first.
    assert [(await fast_client.recv_type("pong"))["n"] for _ in range(5)] == list(range(5))
    assert len(slow._outbox) == 4
    gate.set()
    assert [(await slow_client.recv_type("pong"))["n"] for _ in range(5)] == list(range(5))
    await slow_client.close()
    await fast_client.close()


async def test_a_socket_too_far_behind_is_closed_to_resume(room, alumnus, alumnus2, monkeypatch):
    monkeypatch.setattr(hub_module, "OUTBOX_MAX", 3)
    slow_client, other = await open_socket(alumnus, room.slug), await open_socket(alumnus2, room.slug)
    slow = await _consumer_of(alumnus, room.group_name)
    gate = asyncio.Event()

    async def stuck(event):
        await gate.wait()

    slow.frame = stuck
    for n in range(6):
        await _pong(room.group_name, n)
    assert [(await other.recv_type("pong"))["n"] for _ in range(6)] == list(range(6))
    assert await slow_client.closed() == 4000
    hub = await hub_module.get_hub()
    assert slow not in hub.members.get(room.group_name, {})
    gate.set()
    await other.close()


async def test_a_failing_delivery_closes_that_socket_and_spares_the_rest(room, alumnus, alumnus2):
    broken_client, other = await open_socket(alumnus, room.slug), await open_socket(alumnus2, room.slug)
    broken = await _consumer_of(alumnus, room.group_name)

    async def fails(event):
        raise RuntimeError("the transport went away")

    broken.frame = fails
    await _pong(room.group_name, 1)
    assert await broken_client.closed() == 4000
    hub = await hub_module.get_hub()
    assert all(broken not in members for members in hub.members.values())
    await _pong(room.group_name, 2)
    assert [(await other.recv_type("pong"))["n"] for _ in range(2)] == [1, 2]
    await other.close()


async def test_events_queued_behind_a_busy_delivery_wait_while_the_socket_is_held(room, alumnus):
    """A resume on an open socket holds live events until `resumed`. The
    socket's delivery task may be busy at that moment (a handler waiting on
    the database): what queues behind it must wait for the release too, not
    slip out ahead of the backlog."""
    client = await open_socket(alumnus, room.slug)
    sock = await _consumer_of(alumnus, room.group_name)
    gate = asyncio.Event()
    deliver = sock.frame

    async def stuck_on_the_first(event):
        if '"n":0' in event["text"]:
            await gate.wait()
        await deliver(event)

    sock.frame = stuck_on_the_first
    await _pong(room.group_name, 0)
    await asyncio.sleep(0.05)
    sock.hold_events()  # the resume starts while the task is busy with pong 0
    for n in (1, 2):
        await _pong(room.group_name, n)
    gate.set()
    assert (await client.recv_type("pong"))["n"] == 0  # in flight before the hold: it finishes
    assert await client.nothing(timeout=0.3, ignore=("presence",)), "held events went out"
    await sock.release_events()
    assert [(await client.recv_type("pong"))["n"] for _ in range(2)] == [1, 2]
    await client.close()
