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
   loop that writes the pre-encoded text to each local socket; no per-socket
   queue, task wake-up, deepcopy or ChannelFull. The exclude/backlog rules
   of RoomConsumer.frame are kept per socket. User and session groups (bans,
   logouts) stay per socket: they are rare and per-user.
"""

import asyncio
import logging

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from community.permissions import is_active_member
from community.realtime import session_group, user_group
from groups import presence
from groups.consumers import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED, RoomConsumer, _load_room

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

    def __init__(self, group: str):
        self.group = group
        self.sockets: set = set()
        self.channel: str | None = None
        self.task: asyncio.Task | None = None
        self.ready = asyncio.Event()

    @classmethod
    async def join(cls, group: str, consumer) -> "RoomHub":
        hub = cls.hubs.get(group)
        if hub is None:
            hub = cls.hubs[group] = cls(group)
            hub.task = asyncio.ensure_future(hub.run())
        hub.sockets.add(consumer)
        await hub.ready.wait()
        return hub

    def leave(self, consumer) -> None:
        self.sockets.discard(consumer)

    async def run(self):
        layer = get_channel_layer()
        self.channel = await layer.new_channel("hub.")
        await layer.group_add(self.group, self.channel)
        self.ready.set()
        while True:
            event = await layer.receive(self.channel)
            if event.get("type") != "frame":
                continue
            text = event["text"]
            exclude = event.get("exclude")
            message_id = event.get("message_id")
            for consumer in tuple(self.sockets):
                if exclude is not None and consumer.channel_name == exclude:
                    continue
                if message_id is not None and consumer.backlog_ids and message_id in consumer.backlog_ids:
                    consumer.backlog_ids.discard(message_id)
                    continue
                try:
                    await consumer.base_send({"type": "websocket.send", "text": text})
                except Exception:  # noqa: BLE001 - a closing socket must not stop the room
                    self.sockets.discard(consumer)


class HubRoomConsumer(CoalescedPresenceConsumer):
    hub: RoomHub | None = None

    async def connect(self):
        # RoomConsumer.connect with the room group replaced by the hub.
        user = self.scope.get("user")
        self.room = None
        if not is_active_member(user):
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        slug = self.scope["url_route"]["kwargs"]["slug"]
        room, membership = await database_sync_to_async(_load_room)(user, slug)
        if room is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.room = room
        self.user = user
        self.public_user = user.public_dict()
        self.backlog_ids: set[int] = set()
        self.last_typing = 0.0
        self.hub = await RoomHub.join(room.group_name, self)
        await self.channel_layer.group_add(user_group(user.pk), self.channel_name)
        self.session_group = session_group(getattr(self.scope.get("session"), "session_key", None))
        if self.session_group:
            await self.channel_layer.group_add(self.session_group, self.channel_name)
        await self.accept()
        after = self._query_int("after")
        if after is not None:
            await self._send_backlog(after)
        await presence.store().touch(room.pk, self.public_user, self.channel_name)
        await self._broadcast_presence()

    async def disconnect(self, code):
        if self.hub is not None:
            self.hub.leave(self)
        await super().disconnect(code)
