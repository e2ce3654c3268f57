"""Prototype of a settings-level change for the embedded mode: Channels'
InMemoryChannelLayer with its expiry sweep throttled.

The stock layer calls _clean_expired() on every receive(), and that walks
every channel queue and every group membership of the process. Each socket
receives once per delivery, so a delivery costs O(sockets × groups per
socket) — the app puts every socket in three groups (room, user, session).
Sweeping at most once a second keeps expiry (messages and group memberships
still expire, a second later at most) and makes a delivery O(1).

Measured as kind "app@BENCH_INMEMORY_LAYER=throttled" (bench/settings_bench.py
swaps the backend). In the app this would be a small class in community/ and
one line in CHANNEL_LAYERS.
"""

import time

from channels.layers import InMemoryChannelLayer

SWEEP_EVERY = 1.0


class ThrottledSweepInMemoryChannelLayer(InMemoryChannelLayer):
    _last_sweep = 0.0

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._last_sweep < SWEEP_EVERY:
            return
        self._last_sweep = now
        super()._clean_expired()
