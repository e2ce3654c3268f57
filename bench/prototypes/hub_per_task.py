"""The app (alumni.asgi) with the Hub's per-socket delivery as it was before
frames were built once: a task per event per idle socket. Served by plain
Daphne, like "app". (Frames no longer pass Channels' session wrapper in
either: the app's sockets come in through community.socket_entry.)

Kept to measure the old path beside the new one in the same run
(`--kinds raw,proto:hub_per_task,app,proto:frame_once`)."""

import collections

from alumni.asgi import application  # noqa: F401
from community.realtime import hub


def hub_event_nowait(self, event: dict) -> None:
    if self._gone:
        return
    if self._outbox is None:
        self._outbox = collections.deque()
    if len(self._outbox) >= hub.OUTBOX_MAX:
        hub.logger.warning("hub: a socket fell %d events behind; closing it to resume", hub.OUTBOX_MAX)
        self._give_up()
        return
    self._outbox.append(event)
    if not self._holding:
        self._start_drain()


hub.HubConsumerMixin.hub_event_nowait = hub_event_nowait
