"""The per-process hub (community.realtime.hub): one channel-layer subscription per
group per process, delivery in order, failure closes sockets so they resume."""

import asyncio
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from community.realtime import group_send, send_now
from community.realtime import hub as hub_module

from .conftest import open_socket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def in_memory_layer(request, settings):
    """These tests look inside the in-memory layer (the Redis one is below)."""
    if "redis_url" not in request.fixturenames:
        settings.CHANNEL_LAYERS = {
            "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 1000}}
        }


class Sock:
    """A subscriber that takes whatever it is given."""

    def hub_event_nowait(self, event):
        pass

    async def hub_lost(self):
        pass


def _members(layer, group):
    return set(layer.groups.get(group, {}))


async def test_many_sockets_of_a_room_are_one_layer_member(room, alumnus, alumnus2, moderator):
    sockets = [await open_socket(u, room.slug) for u in (alumnus, alumnus2, moderator, alumnus)]
    layer = get_channel_layer()
    hub = await hub_module.get_hub()
    assert _members(layer, room.group_name) == {hub.channel}
    # One broadcast, one queued layer message, every socket gets it.
    await group_send(room.group_name, {"type": "frame", "text": '{"type":"pong","n":1}'})
    for s in sockets:
        assert (await s.recv_type("pong"))["n"] == 1
    for s in sockets:
        await s.close()


async def test_events_arrive_in_the_order_they_were_sent(room, alumnus, alumnus2):
    a, b = await open_socket(alumnus, room.slug), await open_socket(alumnus2, room.slug)

    def burst():
        for n in range(200):  # from a worker thread, as actions do after commit
            send_now(room.group_name, {"type": "frame", "text": f'{{"type":"pong","n":{n}}}'})

    await sync_to_async(burst)()
    for s in (a, b):
        seen = [(await s.recv_type("pong"))["n"] for _ in range(200)]
        assert seen == list(range(200))
    await a.close()
    await b.close()


@pytest.mark.redis
async def test_on_redis_a_burst_from_worker_threads_goes_in_batches_and_in_order(
    settings, redis_url, room, alumnus, alumnus2, monkeypatch
):
    """Broadcasts that queue while one is being sent go to Redis together
    (group_send_many), and every socket still sees them in the order given."""
    from community.channel_layers import RedisChannelLayer

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "community.channel_layers.RedisChannelLayer",
            "CONFIG": {"hosts": [redis_url], "prefix": f"hub-test-{uuid.uuid4().hex[:8]}", "capacity": 1000},
        }
    }
    batches = []
    real = RedisChannelLayer.group_send_many

    async def group_send_many(self, events):
        batches.append(len(events))
        await real(self, events)

    monkeypatch.setattr(RedisChannelLayer, "group_send_many", group_send_many)
    a, b = await open_socket(alumnus, room.slug), await open_socket(alumnus2, room.slug)

    def burst():
        for n in range(300):
            send_now(room.group_name, {"type": "frame", "text": f'{{"type":"pong","n":{n}}}'})

    await sync_to_async(burst)()
    for s in (a, b):
        seen = [(await s.recv_type("pong", timeout=20))["n"] for _ in range(300)]
        assert seen == list(range(300))
    assert batches
    assert max(batches) > 1
    await a.close()
    await b.close()
    hub = await hub_module.get_hub()
    await hub.close()


async def test_a_members_own_groups_are_left_at_once_rooms_linger(room, alumnus):
    s = await open_socket(alumnus, room.slug)
    layer = get_channel_layer()
    hub = await hub_module.get_hub()
    user_group = f"user.{alumnus.pk}"
    assert _members(layer, user_group) == {hub.channel}
    await s.close()
    for _ in range(50):
        if not _members(layer, user_group):
            break
        await asyncio.sleep(0.02)
    assert not _members(layer, user_group)
    # The room stays joined for a while: a reconnect storm does not churn it.
    assert _members(layer, room.group_name) == {hub.channel}
    hub.leave_idle_groups(hub.loop.time() + hub_module.EMPTY_GRACE + 1)
    for _ in range(50):
        if not _members(layer, room.group_name):
            break
        await asyncio.sleep(0.02)
    assert not _members(layer, room.group_name)


async def test_rejoining_after_a_leave_is_subscribed_again(room, alumnus):
    s = await open_socket(alumnus, room.slug)
    hub = await hub_module.get_hub()
    await s.close()
    hub._leave(room.group_name)  # leave while a new socket joins straight away
    s = await open_socket(alumnus, room.slug)
    await group_send(room.group_name, {"type": "frame", "text": '{"type":"pong","n":7}'})
    assert (await s.recv_type("pong"))["n"] == 7
    await s.close()


async def test_when_the_layer_fails_every_local_socket_is_closed_to_resume(room, alumnus, alumnus2, monkeypatch):
    a, b = await open_socket(alumnus, room.slug), await open_socket(alumnus2, room.slug)
    hub = await hub_module.get_hub()
    layer = get_channel_layer()
    real_receive = layer.receive

    async def broken(channel):
        raise ConnectionError("Redis went away")

    monkeypatch.setattr(layer, "receive", broken)
    # Wake the reader: its pending receive completes, the next one fails.
    await group_send(room.group_name, {"type": "frame", "text": '{"type":"pong"}'})
    assert await a.closed() == hub_module.CLOSE_RECONNECT
    assert await b.closed() == hub_module.CLOSE_RECONNECT
    await a.close()
    await b.close()
    monkeypatch.setattr(layer, "receive", real_receive)
    # The hub starts afresh on the next socket.
    c = await open_socket(alumnus, room.slug)
    assert hub.channel is not None
    await group_send(room.group_name, {"type": "frame", "text": '{"type":"pong","n":3}'})
    assert (await c.recv_type("pong"))["n"] == 3
    await c.close()


async def test_live_events_wait_for_the_resume_backlog(settings, room, alumnus, alumnus2):
    """A message stored while a resuming socket reads its backlog reaches it
    after the backlog, never in the middle of it."""
    from groups import actions

    settings.RATE_LIMIT_BURST = 1000

    sender = await open_socket(alumnus2, room.slug)
    first = await sync_to_async(actions.post_message)(
        author=alumnus2, room=room, body="before", client_id=str(uuid.uuid4())
    )
    for n in range(30):
        await sync_to_async(actions.post_message)(
            author=alumnus2, room=room, body=f"backlog {n}", client_id=str(uuid.uuid4())
        )
    resuming = asyncio.ensure_future(open_socket(alumnus, room.slug, after=first.message.pk))
    for n in range(5):
        await sender.send({"type": "message.send", "client_id": str(uuid.uuid4()), "body": f"live {n}"})
    s = await resuming
    ids = []
    while True:
        frame = await s.recv()
        if frame["type"] == "message":
            ids.append(frame["message"]["id"])
        if len(ids) >= 35:
            break
    assert ids == sorted(ids)
    assert len(ids) == len(set(ids))
    await s.close()
    await sender.close()


async def test_when_a_batched_read_times_out_every_local_socket_is_closed_to_resume(room, alumnus, monkeypatch):
    """A batch Redis popped may be lost with the reply: the sockets resume from
    the database rather than stay open and miss it."""
    from redis.exceptions import TimeoutError as RedisTimeoutError

    layer = get_channel_layer()
    assert not hasattr(layer, "receive_many")  # the stock layer of these tests
    a = await open_socket(alumnus, room.slug)
    hub = await hub_module.get_hub()
    real_receive = layer.receive

    async def receive_many(channel, limit=100):
        await real_receive(channel)
        raise RedisTimeoutError("Timeout reading from socket")

    monkeypatch.setattr(layer, "receive_many", receive_many, raising=False)
    monkeypatch.setattr(hub, "_layer_answers", lambda: pytest.fail("a batched read is not retried"))
    await group_send(room.group_name, {"type": "frame", "text": '{"type":"pong"}'})  # wakes the pending read
    await group_send(room.group_name, {"type": "frame", "text": '{"type":"pong"}'})
    assert await a.closed() == hub_module.CLOSE_RECONNECT
    await a.close()


@pytest.mark.redis
@pytest.mark.parametrize(
    "backend", ["channels_redis.core.RedisChannelLayer", "community.channel_layers.RedisChannelLayer"]
)
async def test_on_redis_an_idle_hub_still_delivers(settings, redis_url, room, alumnus, backend):
    """The hub's blocking read on Redis comes back empty every few seconds;
    a room quiet for longer than that still gets the next message, on the
    same socket (an idle read that timed out on the client's side would
    close it)."""
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": backend,
            "CONFIG": {"hosts": [redis_url], "prefix": f"hub-test-{uuid.uuid4().hex[:8]}"},
        }
    }
    s = await open_socket(alumnus, room.slug)
    await asyncio.sleep(7)  # past channels-redis's 5 s blocking-read timeout
    await group_send(room.group_name, {"type": "frame", "text": '{"type":"pong","n":9}'})
    # The property is delivery, not latency: on a loaded machine the read that
    # follows a timed-out one can take a few seconds to come round.
    assert (await s.recv_type("pong", timeout=20))["n"] == 9
    await s.close()
    hub = await hub_module.get_hub()
    await hub.close()


@pytest.mark.redis
async def test_on_redis_hundreds_of_sockets_leaving_at_once_all_leave_their_groups(settings, redis_url, caplog):
    """Each socket's own groups are left on Redis when it goes. Hundreds going
    together (a network blip) share the layer's connection pool, which fails
    outright past its size: the hub keeps the number in flight below it."""
    import redis

    prefix = f"hub-test-{uuid.uuid4().hex[:8]}"
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [redis_url], "prefix": prefix},
        }
    }

    hub = await hub_module.get_hub()
    socks = [Sock() for _ in range(300)]
    await asyncio.gather(*(hub.subscribe(s, (f"user.{n}", f"session.{n}")) for n, s in enumerate(socks)))
    client = redis.Redis.from_url(redis_url)
    try:
        assert sum(1 for _ in client.scan_iter(match=f"{prefix}:group:*", count=1000)) == 600
        for n, s in enumerate(socks):
            hub.unsubscribe(s, (f"user.{n}", f"session.{n}"))
        await asyncio.gather(*list(hub._ops.values()))
        assert "failed" not in caplog.text
        assert sum(1 for _ in client.scan_iter(match=f"{prefix}:group:*", count=1000)) == 0
    finally:
        await hub.close()
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)
        client.close()


async def test_the_periodic_refresh_never_holds_up_a_socket_joining(monkeypatch):
    """Every joined group is re-added now and then; a socket joining a group
    that is being refreshed does not wait for it (the group is joined)."""
    import time

    monkeypatch.setattr(hub_module, "HOUSEKEEPING_EVERY", 0.05)
    monkeypatch.setattr(hub_module, "REFRESH_MAX", 0.05)

    hub = await hub_module.get_hub()
    try:
        await hub.subscribe(Sock(), ("room.1",))
        refreshing = asyncio.Event()
        real_add = hub.layer.group_add

        async def slow_add(group, channel):
            refreshing.set()
            await asyncio.sleep(1.0)
            await real_add(group, channel)

        monkeypatch.setattr(hub.layer, "group_add", slow_add)
        await asyncio.wait_for(refreshing.wait(), timeout=5)
        started = time.monotonic()
        await hub.subscribe(Sock(), ("room.1",))
        assert time.monotonic() - started < 0.5
        await asyncio.gather(*list(hub._ops.values()))  # the refresh itself still completes
    finally:
        await hub.close()
