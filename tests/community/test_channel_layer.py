"""The embedded channel layer sweeps expired events and group memberships at
most once a second, and still sweeps them."""

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
