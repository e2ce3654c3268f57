"""The one way events reach sockets: after the transaction that made them commits.

Actions serialise an event once and hand it here; consumers only forward it.
Broadcasting before commit could announce a message that a rollback then
erases, or one a reconnecting client cannot find yet.
"""

import asyncio
import contextvars
import hashlib
import json
import logging
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

# A batch of text frames, one ASGI message (community.realtime.frames): the
# message type, and the scope extension of a server that accepts it.
SEND_MANY = "alumni.websocket.send_many"
# One text frame sent from plain code, now (community.realtime.frames): the
# scope extension whose value the server's send_text_nowait takes.
TEXT_NOWAIT = "alumni.websocket.text_nowait"


def user_group(user_id: int) -> str:
    """Every socket of one user: used to close them (ban, logout, suspension)."""
    return f"user.{user_id}"


def session_group(session_key: str | None) -> str | None:
    """Every socket opened with one browser session: closed at its logout.
    Hashed so the session key itself never travels through Redis."""
    if not session_key:
        return None
    return "session." + hashlib.sha256(session_key.encode()).hexdigest()[:40]


def notification_group(user_id: int) -> str:
    return f"notify.{user_id}"


def console_group() -> str:
    """Every site moderator's notification sockets: the live crisis console."""
    return "crisis-console"


def encode(frame: dict) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


logger = logging.getLogger(__name__)


async def group_send(group: str, event: dict) -> None:
    """Send an event to a group from async code. Every event names its group:
    the process's hub (community.realtime.hub) delivers by that name."""
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(group, {**event, "group": group})


def send_now(group: str, event: dict) -> None:
    """Send an event to a group from synchronous code.

    In a process that serves sockets (its event loop has a hub), the event is
    handed to that loop, in order, and this returns at once: the database
    thread that committed the message does not wait for the broadcast. Else
    (a management command, a task worker, a test without a loop) it is sent
    before this returns.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    event = {**event, "group": group}
    sender = _senders.get(id(layer))
    if sender is not None and sender.submit(layer, event):
        return
    async_to_sync(layer.group_send)(group, event)


# Broadcasts sent to the layer in one go, at most.
SEND_MANY_MAX = 64


class _OrderedSender:
    """Broadcasts handed over from worker threads, sent one after another on
    the event loop in the order they were handed over (those that queued
    while one was being sent go together, where the layer can)."""

    def __init__(self, layer, loop: asyncio.AbstractEventLoop):
        self.layer = layer
        self.loop = loop
        self.thread = threading.get_ident()
        self.queue: asyncio.Queue = asyncio.Queue()
        # A context of its own: it lives as long as the loop, and must not keep
        # the context of whatever socket or request started it.
        self.task = loop.create_task(self._drain(), context=contextvars.Context())

    def submit(self, layer, event: dict) -> bool:
        if layer is not self.layer or self.loop.is_closed() or not self.loop.is_running():
            return False
        if threading.get_ident() == self.thread:
            return False  # synchronous code on the loop's own thread: send it the plain way
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, event)
        except RuntimeError:  # the loop closed meanwhile
            return False
        return True

    async def _drain(self) -> None:
        send_many = getattr(self.layer, "group_send_many", None)
        while True:
            events = [await self.queue.get()]
            # What queued meanwhile goes with it, in order, where the layer
            # sends a list in one go (community.channel_layers).
            while send_many is not None and len(events) < SEND_MANY_MAX and not self.queue.empty():
                events.append(self.queue.get_nowait())
            if len(events) > 1:
                try:
                    await send_many([(event["group"], event) for event in events])
                    continue
                except Exception as exc:
                    # Send again, one by one, what may not have gone out. A
                    # member may then get a copy twice (the chat page replaces
                    # a message it already shows; a notification may toast
                    # twice); a lost one would stay lost until a reconnect.
                    unsent = getattr(exc, "unsent", None)
                    events = [event for _, event in unsent] if unsent is not None else events
                    logger.warning(
                        "broadcasting %d together failed (%s); sending them one by one", len(events), type(exc).__name__
                    )
            for event in events:
                await self._send_one(event)

    async def _send_one(self, event: dict) -> None:
        try:
            await self.layer.group_send(event["group"], event)
        except Exception as exc:
            # The message itself is stored; sockets that miss it are closed
            # by their hub when the layer fails and resume with ?after=.
            logger.warning("broadcast to %s failed (%s)", event["group"], type(exc).__name__)


_senders: dict[int, _OrderedSender] = {}


def start_sender(layer) -> None:
    """Called on the event loop that serves sockets (by the hub)."""
    loop = asyncio.get_running_loop()
    sender = _senders.get(id(layer))
    if sender is None or sender.layer is not layer or sender.loop is not loop or sender.task.done():
        _senders[id(layer)] = _OrderedSender(layer, loop)


def broadcast_on_commit(group: str, event: dict, *, robust: bool = False) -> None:
    """Send `event` to `group` once the current transaction commits (at once if none).

    `robust`: a broadcast that fails is logged and the transaction's other
    commit callbacks still run (Django's on_commit robust=True); by default
    the failure stops them and reaches the caller."""
    transaction.on_commit(lambda: send_now(group, event), robust=robust)


def frame_event(frame: dict) -> dict:
    """A channel-layer event that carries an already-encoded client frame."""
    return {"type": "frame", "text": encode(frame)}


def force_disconnect_on_commit(user_id: int, *, code: int = 4403, room: str | None = None) -> None:
    """Close the user's open sockets (all of them, or those of one room)."""
    broadcast_on_commit(user_group(user_id), {"type": "force_disconnect", "code": code, "room": room})


def close_session_sockets(session_key: str | None) -> None:
    group = session_group(session_key)
    if group is not None:
        send_now(group, {"type": "force_disconnect", "code": 4401, "room": None})
