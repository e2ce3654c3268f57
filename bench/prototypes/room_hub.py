"""Prototype of two changes to groups/consumers.py, measured by bench/run.py
as servers "proto:asgi_presence" and "proto:asgi_hub". Not used by the app.

1. CoalescedPresenceConsumer — presence at most once per PRESENCE_DELAY per
   room and process. Today every join and leave sends the *whole* online
   list to every socket of the room: a storm of N joins is N²/2 frames of up
   to N entries (≈ 45·N³/3 bytes: 15 GB for 1,000 members), and on the
   in-memory layer it overflows the 100-message channel capacity, so
   ChannelFull drops frames. Coalesced, a storm is a handful of broadcasts
   and the protocol is unchanged (`presence {online}` still carries the
   full list).

2. HubRoomConsumer — fan-out inside the process: one channel-layer
   subscription per room and process (a RoomHub) instead of one channel per
   socket. A room broadcast is one layer message per process, then a plain
   loop that hands the event to each local socket's own `frame` handler,
   which writes the pre-encoded text; no per-socket queue, task wake-up,
   deepcopy or ChannelFull. The consumer is otherwise untouched: only its
   channel layer is wrapped so that joining a `room.*` group joins the hub.
   User and session groups (bans, logouts) stay per socket: they are rare.
"""

import asyncio
import logging

from groups.consumers import RoomConsumer

PRESENCE_DELAY = 0.5
logger = logging.getLogger(__name__)


class CoalescedPresenceConsumer(RoomConsumer):
    _pending: dict[str, asyncio.TimerHandle] = {}

    async def _broadcast_presence(self):
        group = self.room.group_name
        if group in self._pending:
            return
        parent = super()._broadcast_presence

        def fire():
            self._pending.pop(group, None)
            asyncio.ensure_future(_send_presence(parent))

        self._pending[group] = asyncio.get_running_loop().call_later(PRESENCE_DELAY, fire)


async def _send_presence(parent):
    # The parent method reads only self.room and self.channel_layer, so the
    # socket that scheduled it may have gone since.
    try:
        await parent()
    except Exception:
        logger.exception("presence broadcast failed")


class RoomHub:
    """Every local socket of one room, behind one layer subscription."""

    hubs: dict[str, "RoomHub"] = {}

    def __init__(self, group: str, layer):
        self.group = group
        self.layer = layer
        self.sockets: set = set()
        self.ready = asyncio.Event()
        self.task = asyncio.ensure_future(self.run())

    @classmethod
    async def join(cls, group: str, consumer, layer) -> None:
        hub = cls.hubs.get(group)
        if hub is None:
            hub = cls.hubs[group] = cls(group, layer)
        hub.sockets.add(consumer)
        await hub.ready.wait()

    @classmethod
    def leave(cls, group: str, consumer) -> None:
        hub = cls.hubs.get(group)
        if hub is not None:
            hub.sockets.discard(consumer)

    async def run(self):
        channel = await self.layer.new_channel("hub.")
        await self.layer.group_add(self.group, channel)
        self.ready.set()
        while True:
            event = await self.layer.receive(channel)
            handler_name = event.get("type", "").replace(".", "_")
            for consumer in tuple(self.sockets):
                # The consumer's own handler (RoomConsumer.frame): its
                # exclude, blocked-author and backlog rules stay where they are.
                handler = getattr(consumer, handler_name, None)
                if handler is None:
                    continue
                try:
                    await handler(event)
                except Exception:  # a closing socket must not stop the room
                    self.sockets.discard(consumer)


class _HubLayer:
    """A consumer's channel layer, except that joining or leaving a room
    group goes through the process's RoomHub."""

    def __init__(self, layer, consumer):
        self._layer = layer
        self._consumer = consumer

    def __getattr__(self, name):
        return getattr(self._layer, name)

    async def group_add(self, group, channel):
        if group.startswith("room."):
            await RoomHub.join(group, self._consumer, self._layer)
        else:
            await self._layer.group_add(group, channel)

    async def group_discard(self, group, channel):
        if group.startswith("room."):
            RoomHub.leave(group, self._consumer)
        else:
            await self._layer.group_discard(group, channel)


class HubRoomConsumer(CoalescedPresenceConsumer):
    """RoomConsumer, unchanged but for where its room group lives."""

    async def connect(self):
        self.channel_layer = _HubLayer(self.channel_layer, self)
        await super().connect()
