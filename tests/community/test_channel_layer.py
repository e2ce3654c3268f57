"""The embedded channel layer sweeps expired events and group memberships at
most once a second, and still sweeps them."""

import asyncio
import time

import pytest

from community import channel_layers
from community.channel_layers import InMemoryChannelLayer

pytestmark = pytest.mark.asyncio


async def test_expired_group_members_still_go_but_the_sweep_runs_once_a_second(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(channel_layers.time, "monotonic", lambda: clock[0])
    layer = InMemoryChannelLayer(group_expiry=60)
    channel = await layer.new_channel("hub.")
    await layer.group_add("room.quiet", channel)
    await layer.send(channel, {"type": "first"})
    assert (await layer.receive(channel))["type"] == "first"  # sweeps (first call)
    # The membership is now older than group_expiry ...
    layer.groups["room.quiet"][channel] = time.time() - 120
    await layer.send(channel, {"type": "second"})
    assert (await layer.receive(channel))["type"] == "second"
    assert channel in layer.groups.get("room.quiet", {})  # ... but within the second, no sweep
    clock[0] += 1.5
    await layer.send(channel, {"type": "third"})
    assert (await layer.receive(channel))["type"] == "third"
    assert channel not in layer.groups.get("room.quiet", {})


def test_the_embedded_default_uses_it(settings):
    if settings.CHANNEL_LAYER != "memory":
        pytest.skip("this run uses Redis (the PostgreSQL + Redis pass)")
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "community.channel_layers.InMemoryChannelLayer"


async def test_receive_many_returns_what_is_queued_in_order():
    layer = InMemoryChannelLayer(capacity=100)
    channel = await layer.new_channel("hub.")
    await layer.group_add("room.batch", channel)
    for n in range(5):
        await layer.group_send("room.batch", {"type": "frame", "n": n})
    assert [m["n"] for m in await layer.receive_many(channel, limit=3)] == [0, 1, 2]
    assert [m["n"] for m in await layer.receive_many(channel)] == [3, 4]
    assert channel not in layer.channels  # an emptied queue is dropped, as receive() does
    reader = asyncio.create_task(layer.receive_many(channel))
    await asyncio.sleep(0.05)
    assert not reader.done()
    await layer.send(channel, {"type": "frame", "n": 5})
    assert [m["n"] for m in await asyncio.wait_for(reader, 2)] == [5]
