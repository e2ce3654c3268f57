"""The app (alumni.asgi) with the Hub's per-socket delivery as it was before
frames were built once: a task per event per idle socket, and every frame
sent through Channels' session wrapper. Served by plain Daphne, like "app".

Kept to measure the old path beside the new one in the same run
(`--kinds raw,proto:hub_per_task,app,proto:frame_once`)."""

from alumni.asgi import application  # noqa: F401
from community.realtime import hub


def hub_event_nowait(self, event: dict) -> None:
    if self._gone:
        return
    if len(self._outbox) >= hub.OUTBOX_MAX:
        hub.logger.warning("hub: a socket fell %d events behind; closing it to resume", hub.OUTBOX_MAX)
        self._give_up()
        return
    self._outbox.append(event)
    if not self._holding:
        self._start_drain()


hub.HubConsumerMixin.hub_event_nowait = hub_event_nowait
del hub.HubConsumerMixin.__call__
