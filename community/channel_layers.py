"""The embedded default's channel layer: Channels' in-memory layer, with its
expiry sweep run at most once a second.

The stock layer sweeps on every receive() — every channel queue and every
group membership of the process. The process's hub (community.realtime.hub)
receives once per broadcast, and the process has a group per room, per
member and per browser session, so each broadcast paid a walk over thousands
of groups (8% of the event loop's time while 50 rooms were busy). Expiry is
kept: queued events and group memberships still expire, at most a second
late."""

import time

from channels.layers import InMemoryChannelLayer

SWEEP_EVERY = 1.0


class InMemoryChannelLayer(InMemoryChannelLayer):
    _last_sweep = float("-inf")

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._last_sweep < SWEEP_EVERY:
            return
        self._last_sweep = now
        super()._clean_expired()
