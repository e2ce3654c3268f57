"""The Redis layer's group_send (community.channel_layers.RedisChannelLayer):
the same commands as channels-redis's own, in two round trips instead of four,
leaving Redis in the same state — members that expired are dropped, a channel
at capacity is skipped, every other member gets the message once."""

import asyncio
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
from channels_redis.core import RedisChannelLayer as StockLayer
from redis.asyncio.client import Pipeline, Redis

from community.channel_layers import GroupSendFailed, RedisChannelLayer

pytestmark = [pytest.mark.redis, pytest.mark.asyncio]


def _layer(cls, url):
    return cls(hosts=[url], prefix=f"layer-test-{uuid.uuid4().hex[:8]}", capacity=3, group_expiry=86400, expiry=60)


def _count_round_trips(monkeypatch) -> list[str]:
    """From now until monkeypatch.undo(): each round trip to Redis, as the
    command's name, or "pipeline" for a whole pipeline."""
    trips: list[str] = []
    real_command, real_pipeline = Redis.execute_command, Pipeline.execute

    async def command(self, *args, **kwargs):
        trips.append(args[0])
        return await real_command(self, *args, **kwargs)

    async def pipeline(self, *args, **kwargs):
        trips.append("pipeline")
        return await real_pipeline(self, *args, **kwargs)

    monkeypatch.setattr(Redis, "execute_command", command)
    monkeypatch.setattr(Pipeline, "execute", pipeline)
    return trips


async def _scenario(layer):
    """A group of three live channels, one that expired from the group and one
    already at capacity; a group_send; what each channel then holds."""
    live = ["live0", "live1", "live2"]
    for channel in [*live, "full", "expired"]:
        await layer.group_add("room.test", channel)
    connection = layer.connection(0)
    # The expired member's score is older than group_expiry.
    await connection.zadd(layer._group_key("room.test"), {"expired": time.time() - 2 * 86400})
    for n in range(3):
        await layer.send("full", {"type": "filler", "n": n})
    await layer.group_send("room.test", {"type": "chat.message", "text": "hello"})
    held = {name: await connection.zcard(layer.prefix + name) for name in [*live, "full", "expired"]}
    members = sorted(m.decode() for m in await connection.zrange(layer._group_key("room.test"), 0, -1))
    got = [await layer.receive(c) for c in live]
    await layer.flush()
    return held, members, got


async def test_group_send_leaves_redis_as_channels_redis_does(redis_url):
    ours = await _scenario(_layer(RedisChannelLayer, redis_url))
    stock = await _scenario(_layer(StockLayer, redis_url))
    assert ours[0] == stock[0] == {"live0": 1, "live1": 1, "live2": 1, "full": 3, "expired": 0}
    # The expired member left the group; the others, the full one too, stayed.
    assert ours[1] == stock[1] == ["full", "live0", "live1", "live2"]
    assert [m["text"] for m in ours[2]] == ["hello"] * 3


async def test_group_send_is_two_round_trips(monkeypatch, redis_url):
    layer = _layer(RedisChannelLayer, redis_url)
    channels = ["count0", "count1"]
    for channel in channels:
        await layer.group_add("room.count", channel)
    trips = _count_round_trips(monkeypatch)
    await layer.group_send("room.count", {"type": "chat.message", "text": "one"})
    monkeypatch.undo()
    assert trips == ["pipeline", "pipeline"]
    assert [(await layer.receive(c))["text"] for c in channels] == ["one", "one"]
    await layer.flush()


async def _added(layer):
    """Two channels added to a group, one of them again: the group's members
    with their scores and the group's time to live."""
    await layer.group_add("room.added", "one")
    await layer.group_add("room.added", "two")
    await asyncio.sleep(0.01)
    await layer.group_add("room.added", "one")  # again: its time moves on
    connection = layer.connection(0)
    key = layer._group_key("room.added")
    members = await connection.zrange(key, 0, -1, withscores=True)
    ttl = await connection.ttl(key)
    await layer.flush()
    return members, ttl


async def test_group_add_leaves_redis_as_channels_redis_does_in_one_round_trip(monkeypatch, redis_url):
    before = time.time()
    ours, ours_ttl = await _added(_layer(RedisChannelLayer, redis_url))
    stock, stock_ttl = await _added(_layer(StockLayer, redis_url))
    # The same members in the same order (by time of their last add), the
    # same expiry of the group.
    assert [m for m, _ in ours] == [m for m, _ in stock] == [b"two", b"one"]
    assert all(before <= score <= time.time() for _, score in ours)
    assert 86390 <= ours_ttl <= 86400
    assert 86390 <= stock_ttl <= 86400

    layer = _layer(RedisChannelLayer, redis_url)
    trips = _count_round_trips(monkeypatch)
    await layer.group_add("room.trips", "one")
    monkeypatch.undo()
    assert trips == ["pipeline"]
    await layer.group_send("room.trips", {"type": "chat.message", "text": "reached"})
    assert (await layer.receive("one"))["text"] == "reached"
    await layer.flush()


# --- receive_many: the hub's batched read -------------------------------------------


@pytest.mark.parametrize("bzmpop", [True, False], ids=["redis7", "before-redis7"])
async def test_receive_many_returns_what_is_queued_in_order_in_one_round_trip(monkeypatch, redis_url, bzmpop):
    layer = _layer(RedisChannelLayer, redis_url)
    layer.capacity = 100
    layer._bzmpop = bzmpop
    hub = await layer.new_channel("hub")
    await layer.group_add("room.batch", hub)
    for n in range(5):
        await layer.group_send("room.batch", {"type": "frame", "n": n})
    await layer.send(hub, {"type": "direct", "n": 5})
    trips = _count_round_trips(monkeypatch)
    first = await layer.receive_many(hub, limit=4)
    second = await layer.receive_many(hub)
    monkeypatch.undo()
    assert [m["n"] for m in first] == [0, 1, 2, 3]
    assert [m["n"] for m in second] == [4, 5]
    assert all("__asgi_channel__" not in m for m in first + second)
    assert trips == (["BZMPOP", "BZMPOP"] if bzmpop else ["ZPOPMIN", "ZPOPMIN"])
    assert await layer.connection(0).zcard(layer.prefix + layer.non_local_name(hub)) == 0
    await layer.flush()


@pytest.mark.parametrize("bzmpop", [True, False], ids=["redis7", "before-redis7"])
async def test_receive_many_waits_for_the_next_message(redis_url, bzmpop):
    layer = _layer(RedisChannelLayer, redis_url)
    layer._bzmpop = bzmpop
    hub = await layer.new_channel("hub")
    reader = asyncio.create_task(layer.receive_many(hub))
    await asyncio.sleep(0.2)
    assert not reader.done()
    await layer.send(hub, {"type": "direct", "n": 1})
    assert [m["n"] for m in await asyncio.wait_for(reader, 5)] == [1]
    await layer.flush()


async def test_receive_many_drops_messages_for_an_earlier_channel_of_the_process(redis_url):
    """A hub replaced after Redis went away gets a new channel name on the same
    key; what was queued for the old one is not the new one's."""
    layer = _layer(RedisChannelLayer, redis_url)
    old, new = await layer.new_channel("hub"), await layer.new_channel("hub")
    assert layer.non_local_name(old) == layer.non_local_name(new)
    await layer.send(old, {"type": "direct", "n": 1})
    await layer.group_add("room.both", old)
    await layer.group_add("room.both", new)
    await layer.group_send("room.both", {"type": "frame", "n": 2})  # one copy, addressed to both
    await layer.send(new, {"type": "direct", "n": 3})
    assert [m["n"] for m in await layer.receive_many(new)] == [2, 3]
    await layer.flush()


@pytest.mark.parametrize("socket_timeout", [None, 1], ids=["default", "1s"])
async def test_receive_many_blocks_for_less_than_the_socket_timeout(monkeypatch, redis_url, socket_timeout):
    """An idle read must never time out on the client's side: Redis may have
    popped a message that the client then never reads."""
    host = (
        {"address": redis_url} if socket_timeout is None else {"address": redis_url, "socket_timeout": socket_timeout}
    )
    layer = RedisChannelLayer(hosts=[host], prefix=f"layer-test-{uuid.uuid4().hex[:8]}")
    hub = await layer.new_channel("hub")
    connection = layer.connection(0)
    await connection.ping()
    real_timeout = (await connection.connection_pool.get_connection()).socket_timeout
    assert real_timeout  # redis-py sets one by default
    blocks = []
    real = Redis.bzmpop

    async def bzmpop(self, timeout, *args, **kwargs):
        blocks.append(timeout)
        return await real(self, timeout, *args, **kwargs)

    monkeypatch.setattr(Redis, "bzmpop", bzmpop)
    reader = asyncio.create_task(layer.receive_many(hub))
    if socket_timeout:
        await asyncio.sleep(socket_timeout * 1.6)  # past one whole blocking read, which must not time out
    else:
        await asyncio.sleep(0.2)
    await layer.send(hub, {"type": "direct", "n": 1})
    assert [m["n"] for m in await asyncio.wait_for(reader, 10)] == [1]
    assert blocks
    assert all(t <= real_timeout / 4 for t in blocks), (blocks, real_timeout)
    await layer.flush()


# --- group_send_many: the broadcasts that queued, in one go ----------------------------


def _hosts(redis_url, count):
    """`count` Redis "hosts": databases of the test server, so a sharded layer
    spreads its groups and channels over them."""
    parts = urlsplit(redis_url)
    base = int(parts.path.strip("/") or 0)
    return [urlunsplit(parts._replace(path=f"/{(base + 5 * i) % 16}")) for i in range(count)]


def _sharded(cls, redis_url, hosts):
    layer = _layer(cls, redis_url)
    if hosts > 1:
        layer = cls(hosts=_hosts(redis_url, hosts), prefix=layer.prefix, capacity=3, group_expiry=86400, expiry=60)
    return layer


CHANNELS = ["both", "only_a", "full", "expired", "c1", "c2", "c3"]


async def _queued(layer, name) -> list:
    """What a (non-local) channel holds, oldest first. Read where group_send
    puts it: channels-redis's own receive reads such a channel from any host."""
    connection = layer.connection(layer.consistent_hash(name))
    return [layer.deserialize(m) for m in await connection.zrange(layer.prefix + name, 0, -1)]


async def _many_scenario(layer, send):
    """Two groups sharing channels, an expired member and a channel at
    capacity; six messages over three groups; what each channel then
    receives, in order."""
    for channel in ["both", "only_a", "full", "expired", "c1"]:
        await layer.group_add("room.a", channel)
    for channel in ["both", "c2"]:
        await layer.group_add("room.b", channel)
    for channel in ["c1", "c2", "c3"]:
        await layer.group_add("room.c", channel)
    group_host = layer.connection(layer.consistent_hash("room.a"))
    await group_host.zadd(layer._group_key("room.a"), {"expired": time.time() - 2 * 86400})
    for n in range(3):
        await layer.send("full", {"type": "filler", "n": n})
    events = [("room.a", {"type": "frame", "n": 1}), ("room.b", {"type": "frame", "n": 2})]
    events += [("room.c", {"type": "frame", "n": 3}), ("room.a", {"type": "frame", "n": 4})]
    events += [("room.b", {"type": "frame", "n": 5}), ("room.c", {"type": "frame", "n": 6})]
    await send(layer, events)
    held = {}
    for name in CHANNELS:
        held[name] = await layer.connection(layer.consistent_hash(name)).zcard(layer.prefix + name)
    got = {}
    for name in CHANNELS:
        if name != "full":
            got[name] = [m["n"] for m in await _queued(layer, name)]
    members = sorted(m.decode() for m in await group_host.zrange(layer._group_key("room.a"), 0, -1))
    await layer.flush()
    return held, got, members


async def _one_by_one(layer, events):
    for group, message in events:
        await layer.group_send(group, message)


async def _together(layer, events):
    await layer.group_send_many(events)


@pytest.mark.parametrize("hosts", [1, 3], ids=["one-host", "three-hosts"])
async def test_group_send_many_is_group_send_after_group_send(redis_url, hosts):
    ours_layer = _sharded(RedisChannelLayer, redis_url, hosts)
    if hosts > 1:
        shards = {ours_layer.consistent_hash(g) for g in ["room.a", "room.b", "room.c"]}
        shards |= {ours_layer.consistent_hash(c) for c in CHANNELS}
        assert len(shards) > 1  # the scenario really spans hosts
    ours = await _many_scenario(ours_layer, _together)
    stock = await _many_scenario(_sharded(StockLayer, redis_url, hosts), _one_by_one)
    assert ours == stock
    held, got, members = ours
    # Each channel holds at most 3 (capacity): the rest were refused, alike.
    assert got["both"] == [1, 2, 4]
    assert got["c1"] == [1, 3, 4]
    assert got["c3"] == [3, 6]
    assert held["full"] == 3
    assert held["expired"] == 0
    assert members == ["both", "c1", "full", "only_a"]


async def test_group_send_many_names_what_a_failing_host_may_have_missed(monkeypatch, redis_url):
    """A host that fails does not stop the others; the events that had
    anything to do with it come back, in order, to be sent again."""
    layer = _sharded(RedisChannelLayer, redis_url, 3)
    layer.capacity = 100
    channels = [f"ch{n}" for n in range(12)]
    for channel in channels:
        await layer.group_add(f"room.{channel}", channel)
    broken = layer.consistent_hash(channels[0])
    healthy = [c for c in channels if layer.consistent_hash(c) != broken]
    assert healthy
    real_execute = Pipeline.execute

    async def execute(self, *args, **kwargs):
        if self.connection_pool is layer.connection(broken).connection_pool and any(
            cmd[0][0] == "EVAL" for cmd in self.command_stack
        ):
            raise ConnectionError("host went away")
        return await real_execute(self, *args, **kwargs)

    monkeypatch.setattr(Pipeline, "execute", execute)
    events = [(f"room.{c}", {"type": "frame", "n": n}) for n, c in enumerate(channels)]
    with pytest.raises(GroupSendFailed) as failure:
        await layer.group_send_many(events)
    monkeypatch.undo()
    unsent = [message["n"] for _, message in failure.value.unsent]
    assert unsent == [n for n, c in enumerate(channels) if layer.consistent_hash(c) == broken]
    for n, channel in enumerate(channels):
        assert [m["n"] for m in await _queued(layer, channel)] == ([n] if channel in healthy else [])
    await layer.flush()


async def test_group_send_many_is_two_round_trips(monkeypatch, redis_url):
    """With one host, two scripts; Redis keeps them loaded, so after the
    first use each is one EVALSHA."""
    layer = _layer(RedisChannelLayer, redis_url)
    layer.capacity = 100
    for n in range(5):
        await layer.group_add(f"room.g{n}", "listener")
    await layer.group_add("room.warm", "warm")
    await layer.group_send_many([("room.warm", {"type": "frame", "n": -1})])
    trips = _count_round_trips(monkeypatch)
    await layer.group_send_many([(f"room.g{n % 5}", {"type": "frame", "n": n}) for n in range(20)])
    monkeypatch.undo()
    assert trips == ["EVALSHA", "EVALSHA"]
    assert [(await layer.receive("listener"))["n"] for _ in range(20)] == list(range(20))
    await layer.flush()


async def test_group_send_many_loads_its_scripts_again_after_redis_forgot_them(redis_url):
    layer = _layer(RedisChannelLayer, redis_url)
    await layer.group_add("room.g", "listener")
    await layer.group_send_many([("room.g", {"type": "frame", "n": 1})])
    await layer.connection(0).script_flush()
    await layer.group_send_many([("room.g", {"type": "frame", "n": 2}), ("room.g", {"type": "frame", "n": 3})])
    assert [(await layer.receive("listener"))["n"] for _ in range(3)] == [1, 2, 3]
    await layer.flush()


async def test_group_send_many_keeps_the_order_when_the_clock_stands_still(monkeypatch, redis_url):
    """A channel is a sorted set scored by time; messages that got the same
    score would come out in the order of their random prefixes. Each message
    of a list is scored above the one before it."""
    import community.channel_layers as layers

    layer = _layer(RedisChannelLayer, redis_url)
    layer.capacity = 100
    await layer.group_add("room.g", "listener")
    frozen = time.time()
    monkeypatch.setattr(layers.time, "time", lambda: frozen)
    await layer.group_send_many([("room.g", {"type": "frame", "n": n}) for n in range(30)])
    monkeypatch.undo()
    assert [(await layer.receive("listener"))["n"] for _ in range(30)] == list(range(30))
    await layer.flush()


async def test_group_send_many_keeps_the_order_across_lists_when_the_clock_steps_back(monkeypatch, redis_url):
    import community.channel_layers as layers

    layer = _layer(RedisChannelLayer, redis_url)
    layer.capacity = 100
    await layer.group_add("room.g", "listener")
    now = [time.time()]
    monkeypatch.setattr(layers.time, "time", lambda: now[0])
    await layer.group_send_many([("room.g", {"type": "frame", "n": n}) for n in range(3)])
    now[0] -= 5  # the clock is set back
    await layer.group_send_many([("room.g", {"type": "frame", "n": n}) for n in range(3, 6)])
    monkeypatch.undo()
    assert [(await layer.receive("listener"))["n"] for _ in range(6)] == list(range(6))
    await layer.flush()


@pytest.mark.parametrize("failing", ["read", "queue"])
async def test_group_send_many_on_one_host_names_what_a_failed_script_carried(monkeypatch, redis_url, failing):
    """One host: if the read fails, every event may have been missed; if the
    queueing fails, the events it was to carry (not those of empty groups)."""
    import community.channel_layers as layers

    layer = _layer(RedisChannelLayer, redis_url)
    await layer.group_add("room.a", "listener")
    real = layers._run_script
    script = layers.READ_GROUPS_LUA if failing == "read" else layers.QUEUE_MANY_LUA

    async def run_script(connection, text, keys, args):
        if text == script:
            raise ConnectionError("Redis went away")
        return await real(connection, text, keys, args)

    monkeypatch.setattr(layers, "_run_script", run_script)
    events = [("room.a", {"type": "frame", "n": 1}), ("room.empty", {"type": "frame", "n": 2})]
    events.append(("room.a", {"type": "frame", "n": 3}))
    with pytest.raises(GroupSendFailed) as failure:
        await layer.group_send_many(events)
    unsent = [message["n"] for _, message in failure.value.unsent]
    assert unsent == ([1, 2, 3] if failing == "read" else [1, 3])
    assert await _queued(layer, "listener") == []
    await layer.flush()
