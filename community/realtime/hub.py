"""Fan-out inside one process: one channel-layer channel per process.

A socket does not get a channel of its own. It subscribes to its groups
(a room, its user, its browser session) through the process's Hub, and the
Hub's single channel joins each group on the channel layer once, for as long
as a local socket needs it. A broadcast is then one channel-layer message per
process, which the Hub hands to every local socket of that group in turn:
no per-socket queue, task wake-up, copy or capacity limit on the way.

Events name their group (community.realtime.group_send adds it), because a
channel layer does not say which group a message came through.

Ordering: the Hub reads its channel in order (a batch at a time where the
layer can: community.channel_layers) and delivers each event to every local
subscriber before the next, so a socket sees a room's events in the order
they were sent.

Failure: if reading the channel fails (Redis went away), every local socket
is closed with CLOSE_RECONNECT and the Hub starts afresh. Clients reconnect
with ?after= and lose nothing; a socket is never left open and deaf.

Group membership on the layer expires (group_expiry): the Hub re-adds its
groups well before that, so a long-lived room never goes quiet. A group that
has had no local socket for EMPTY_GRACE seconds is left, so a reconnect
storm does not churn the layer; a member's own groups are left at once.
"""

import asyncio
import collections
import contextvars
import logging
import secrets
import weakref
from contextlib import suppress
from functools import partial
from typing import Protocol

from channels.exceptions import StopConsumer
from channels.layers import get_channel_layer
from redis.exceptions import TimeoutError as RedisTimeoutError

from . import TEXT_NOWAIT, start_sender

logger = logging.getLogger(__name__)

TIMEOUTS: tuple[type[BaseException], ...] = (TimeoutError, RedisTimeoutError)

EMPTY_GRACE = 60.0
# Only room groups linger when their last local socket leaves (a reconnect
# storm rejoins them at once). A member's own groups are left at once: after
# an account is erased no group named after it may remain.
LINGER_PREFIXES = ("room.",)
HOUSEKEEPING_EVERY = 30.0
# Joins and leaves in flight on the channel layer at once, per process. Each
# holds one of the layer's Redis connections, and channels-redis's pool (redis-
# py's default, 100 a process) fails outright when they run out: without a
# bound, 500 sockets dropping together failed 400 of their leaves. The reader
# and the broadcasts need connections of their own.
LAYER_OPERATIONS = 32
# Channel layers forget a group member after group_expiry seconds; re-add long before.
REFRESH_FRACTION = 0.25
REFRESH_MAX = 3600.0


JOINED = object()  # Hub.added: this process's channel is in the group


class Subscriber(Protocol):
    def hub_event_nowait(self, event: dict) -> None: ...

    async def hub_lost(self) -> None: ...


class Hub:
    def __init__(self, layer, loop: asyncio.AbstractEventLoop):
        self.layer = layer
        self.loop = loop
        self.channel: str | None = None
        self.members: dict[str, dict[Subscriber, None]] = {}
        # Per group: the task adding this process's channel to it, then JOINED
        # once it has (a done task kept per group would keep its coroutine:
        # two of them for every socket's own user and session groups).
        self.added: dict[str, asyncio.Task | object] = {}
        self.empty_since: dict[str, float] = {}
        self._ops: dict[str, asyncio.Task] = {}
        self._reader: asyncio.Task | None = None
        self._keeper: asyncio.Task | None = None
        self._starting: asyncio.Task | None = None
        self._closing = False
        self._slots = asyncio.Semaphore(LAYER_OPERATIONS)

    # --- subscriptions ---------------------------------------------------------

    async def subscribe(self, sock: Subscriber, groups) -> None:
        """Deliver the groups' events to `sock` from now on. Returns once the
        layer knows this process is in every group; raises if it can't."""
        await self._start()
        waits = []
        for group in groups:
            self.members.setdefault(group, {})[sock] = None
            self.empty_since.pop(group, None)
            added = self.added.get(group)
            if added is None:
                added = self.added[group] = self._chain(group, self.layer.group_add, group, self.channel)
                added.add_done_callback(partial(self._joined, group))
            if added is not JOINED:
                waits.append((group, added))
        for group, added in waits:
            try:
                await asyncio.shield(added)
            except Exception:
                if self.added.get(group) is added:
                    del self.added[group]
                self.unsubscribe(sock, groups)
                raise

    def _joined(self, group: str, task: asyncio.Task) -> None:
        if self.added.get(group) is task and not task.cancelled() and task.exception() is None:
            self.added[group] = JOINED

    def unsubscribe(self, sock: Subscriber, groups) -> None:
        for group in groups:
            members = self.members.get(group)
            if members is None or sock not in members:
                continue
            del members[sock]
            if members:
                continue
            if group.startswith(LINGER_PREFIXES):
                self.empty_since[group] = self.loop.time()
            else:
                self._leave(group)

    def _leave(self, group: str) -> None:
        self.members.pop(group, None)
        self.empty_since.pop(group, None)
        if self.added.pop(group, None) is not None and self.channel is not None:
            self._chain(group, self._discard_quietly, group, self.channel)

    def _chain(self, group: str, operation, *args) -> asyncio.Task:
        """Run a layer operation for `group` after the previous one finished,
        so that a leave and a later join can never reach Redis out of order."""
        previous = self._ops.get(group)

        async def run():
            if previous is not None:
                await asyncio.wait([previous])  # its outcome is its own
            async with self._slots:
                await operation(*args)

        task = self._ops[group] = self.loop.create_task(run())
        task.add_done_callback(lambda t: self._ops.pop(group, None) if self._ops.get(group) is t else None)
        return task

    # --- the reader --------------------------------------------------------------

    async def _start(self) -> None:
        if self._reader is not None and not self._reader.done():
            return
        if self._starting is None or self._starting.done():
            # A context of its own: the reader and housekeeper it starts live
            # as long as the process and must not keep the first socket's
            # context (its connect slot, say) alive with them.
            self._starting = self.loop.create_task(self._open(), context=contextvars.Context())
        await asyncio.shield(self._starting)

    async def _open(self) -> None:
        self.channel = await self.layer.new_channel("hub")
        self._reader = self.loop.create_task(self._read(self.channel))
        if self._keeper is None or self._keeper.done():
            self._keeper = self.loop.create_task(self._housekeeping())

    async def _receive(self, channel: str) -> list[dict]:
        """The next events on the channel: a batch where the layer can
        (community.channel_layers), else one."""
        receive_many = getattr(self.layer, "receive_many", None)
        if receive_many is not None:
            return await receive_many(channel)
        return [await self.layer.receive(channel)]

    async def _read(self, channel: str) -> None:
        while True:
            try:
                events = await self._receive(channel)
            except asyncio.CancelledError:
                raise
            except TIMEOUTS:
                # channels-redis's own receive blocks 5 s per read, and a
                # client with a 5 s socket timeout can time out on an idle
                # read: it re-queues an unacknowledged message on the next
                # read, so the reader goes on if Redis answers. A batched
                # read blocks for less than the socket timeout, so a timeout
                # there means Redis stalled and a popped batch may be lost:
                # the sockets go and resume from the database.
                if getattr(self.layer, "receive_many", None) is None and await self._layer_answers():
                    continue
                logger.warning("hub: the channel layer does not answer; closing local sockets")
                await self._lose_everything()
                return
            except Exception as exc:
                logger.warning("hub: reading the channel layer failed (%s); closing local sockets", type(exc).__name__)
                await self._lose_everything()
                return
            for event in events:
                if self._closing and event.get("type") == "hub.stop":
                    return
                members = self.members.get(event.get("group"))
                if not members:
                    continue
                for sock in tuple(members):
                    # Never waits on one socket: an idle socket's handler runs
                    # here until it would wait, and from then on (or while it is
                    # busy) the socket's own bounded outbox and delivery task
                    # take over (HubConsumerMixin), so a slow or broken socket
                    # cannot hold up the others.
                    try:
                        sock.hub_event_nowait(event)
                    except Exception:
                        logger.exception("hub: queueing for a socket failed; closing it to resume")
                        for group_members in self.members.values():
                            group_members.pop(sock, None)
                        with suppress(Exception):
                            await sock.hub_lost()

    async def _layer_answers(self) -> bool:
        connection = getattr(self.layer, "connection", None)
        if connection is None or self.channel is None:
            return True
        try:
            index = self.layer.consistent_hash(self.layer.non_local_name(self.channel))
            await asyncio.wait_for(connection(index).ping(), timeout=3)
        except Exception:
            return False
        return True

    async def _lose_everything(self) -> None:
        sockets = {sock for members in self.members.values() for sock in members}
        self.members.clear()
        self.added.clear()
        self.empty_since.clear()
        self.channel = None
        for sock in sockets:
            with suppress(Exception):
                await sock.hub_lost()

    async def _housekeeping(self) -> None:
        expiry = getattr(self.layer, "group_expiry", 86400)
        refresh_every = min(expiry * REFRESH_FRACTION, REFRESH_MAX)
        last_refresh = self.loop.time()
        while True:
            await asyncio.sleep(HOUSEKEEPING_EVERY)
            if self.channel is None:
                continue
            now = self.loop.time()
            self.leave_idle_groups(now)
            if now - last_refresh >= refresh_every:
                last_refresh = now
                # In order with the group's joins and leaves, but nobody waits
                # for it: the group is joined already.
                for group in list(self.added):
                    self._chain(group, self._refresh_quietly, group, self.channel)

    def leave_idle_groups(self, now: float) -> None:
        """Leave the groups that have had no local socket for EMPTY_GRACE."""
        for group, since in list(self.empty_since.items()):
            if now - since >= EMPTY_GRACE and not self.members.get(group):
                self._leave(group)

    async def _refresh_quietly(self, group: str, channel: str) -> None:
        try:
            await self.layer.group_add(group, channel)
        except Exception as exc:  # the next refresh tries again, long before expiry
            logger.warning("hub: refreshing %s failed (%s)", group, type(exc).__name__)

    async def _discard_quietly(self, group: str, channel: str) -> None:
        try:
            await self.layer.group_discard(group, channel)
        except Exception as exc:  # it expires on its own
            logger.warning("hub: leaving %s failed (%s)", group, type(exc).__name__)

    async def close(self) -> None:
        """Stop reading and leave every group (tests, and a loop that ends).

        The reader is stopped by a message on its own channel rather than by
        cancelling it: a blocking Redis read that is cancelled can take many
        seconds to unwind in channels-redis."""
        self._closing = True
        reader = self._reader
        if reader is not None and not reader.done() and self.channel is not None:
            with suppress(Exception):
                await self.layer.send(self.channel, {"type": "hub.stop"})
            await asyncio.wait([reader], timeout=10)
        tasks = [t for t in (self._reader, self._keeper) if t is not None and not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=10)
        # channels-redis finishes each receive in a task of its own that holds
        # a per-channel lock; let those end on this loop.
        cleaners = list(getattr(self.layer, "receive_cleaners", ()))
        if cleaners:
            await asyncio.wait(cleaners, timeout=5)
        if self.channel is not None:
            for group in list(self.added):
                await self._discard_quietly(group, self.channel)
        self.members.clear()
        self.added.clear()
        self.channel = None


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, Hub]]" = weakref.WeakKeyDictionary()
_abandoned: list[Hub] = []


async def get_hub() -> Hub | None:
    """This event loop's hub for the default channel layer (None without one)."""
    layer = get_channel_layer()
    if layer is None:
        return None
    loop = asyncio.get_running_loop()
    per_loop = _hubs.get(loop)
    if per_loop is None:
        per_loop = _hubs[loop] = {}
        await _forget_abandoned()
    hub = per_loop.get(id(layer))
    if hub is None or hub.layer is not layer:
        hub = per_loop[id(layer)] = Hub(layer, loop)
        _abandoned.append(hub)
        start_sender(layer)
    return hub


async def _forget_abandoned() -> None:
    """A hub whose event loop has closed (one per test, in the test suite)
    still sits in its groups: take it out, so broadcasts stop queuing for it."""
    for hub in list(_abandoned):
        if hub.loop.is_closed():
            _abandoned.remove(hub)
            if hub.channel is not None:
                for group in list(hub.added):
                    with suppress(Exception):
                        await hub.layer.group_discard(group, hub.channel)
                channels = getattr(hub.layer, "channels", None)
                if isinstance(channels, dict):  # the in-memory layer's queues
                    channels.pop(hub.channel, None)


# What a consumer's hub_frame_text returns for a frame its async `frame`
# handler must deliver (it needs the database, say).
FRAME_NEEDS_TASK = object()

CLOSE_RECONNECT = 4000
# Events one socket may have waiting; more and it is closed to resume.
OUTBOX_MAX = 1000
_closing: set[asyncio.Task] = set()


class HubConsumerMixin:
    """For an AsyncWebsocketConsumer whose events come through the Hub.

    The consumer has no channel of its own (its channel layer alias names no
    layer); `channel_name` is still a unique name for the socket, used by
    presence and to leave out the sender of a typing frame. Events are
    dispatched to the handlers named in HUB_HANDLERS only. While `hold_events`
    is on (during connect, while the backlog is sent) events are kept and
    delivered in order by `release_events`.

    A frame event for an idle socket on our Daphne server costs no
    coroutine at all: the consumer's `hub_frame_text(event)` (plain code,
    the same checks as its `frame` handler) gives the text, and the server
    writes it now (community.realtime.frames, TEXT_NOWAIT). A consumer
    without it, a frame that needs the handler, or a socket where the
    server's short path does not apply take the way below.

    Delivery costs no task when it need not: an event for an idle socket
    (nothing queued, nothing being delivered) runs its handler at once, in
    the Hub reader's step and a copy of its context, up to the handler's
    first real wait; only then does the socket get a task, which finishes
    that event and then whatever queued meanwhile, in order. So a handler
    must not rely on asyncio.current_task() (nor asyncio.timeout(), nor
    cancelling itself) before its first await — until then the current task
    is the Hub's reader. A busy socket's events wait in its outbox, as before.
    """

    channel_layer_alias = "__hub_no_layer__"
    HUB_HANDLERS: dict[str, str] = {"frame": "frame", "force_disconnect": "force_disconnect"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel_name = "socket." + secrets.token_hex(12)
        self._hub: Hub | None = None
        self._hub_groups: tuple[str, ...] = ()
        # Made when an event has to wait (most sockets are idle, and an empty
        # deque is most of a kilobyte); dropped again once drained.
        self._outbox: collections.deque[dict] | None = None
        self._holding = False
        self._drainer: asyncio.Task | None = None
        self._gone = False
        self._protocol = None

    async def __call__(self, scope, receive, send):
        """Channels' AsyncConsumer.__call__ for a consumer with no channel
        layer of its own (the hub delivers its events): the client's
        messages are read and dispatched one after another in the socket's
        own task. Channels' await_many_dispatch would read them in a second
        task and wait on it through asyncio.wait: three more coroutines, a
        task and a future kept by every idle socket."""
        self.scope = scope
        self.channel_layer = None
        self.base_send = send
        if scope.get("type") == "websocket":
            self._protocol = scope.get("extensions", {}).get(TEXT_NOWAIT)
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass
        finally:
            # However the socket's task ends (a handler's error, a
            # cancellation), the hub stops delivering to it.
            self._gone = True
            self.hub_leave()

    async def hub_join(self, groups) -> None:
        groups = tuple(g for g in groups if g)
        hub = await get_hub()
        if hub is None:
            return
        self._hub, self._hub_groups = hub, groups
        await hub.subscribe(self, groups)

    def hub_leave(self) -> None:
        if self._hub is not None:
            self._hub.unsubscribe(self, self._hub_groups)
            self._hub = None

    def hold_events(self) -> None:
        self._holding = True

    def drop_held_events(self) -> None:
        """Forget what arrived while held (groups the socket should not have
        joined after all); events stay held."""
        self._outbox = None

    async def release_events(self) -> None:
        """Deliver what arrived while held, in order, then go live."""
        self._holding = False
        self._start_drain()
        if self._drainer is not None:
            await asyncio.shield(self._drainer)

    def hub_event_nowait(self, event: dict) -> None:
        """Deliver an event to this socket: at once if it is idle, else queued
        and delivered by the socket's own task, in order. A socket whose outbox is full (it stopped reading, or
        its handler is stuck) is closed with 4000: its client resumes and
        misses nothing, and the queue never grows without bound."""
        if self._gone:
            return
        outbox = self._outbox
        if outbox is not None and len(outbox) >= OUTBOX_MAX:
            logger.warning("hub: a socket fell %d events behind; closing it to resume", OUTBOX_MAX)
            self._give_up()
            return
        if not outbox and not self._holding and (self._drainer is None or self._drainer.done()):
            if self._protocol is not None and event.get("type") == "frame" and self._frame_now(event):
                return
            self._deliver_now(event)
            return
        if outbox is None:
            outbox = self._outbox = collections.deque()
        outbox.append(event)
        if not self._holding:
            self._start_drain()

    def _frame_now(self, event: dict) -> bool:
        """An idle socket's frame event, from plain code: the consumer's
        `hub_frame_text` says what to send (None: nothing; FRAME_NEEDS_TASK:
        ask the async handler), and the server sends it now. True if done."""
        text_for = getattr(self, "hub_frame_text", None)
        if text_for is None:
            return False
        try:
            text = text_for(event)
            if text is None:
                return True
            if text is FRAME_NEEDS_TASK:
                return False
            return self._protocol.send_text_nowait(text)
        except Exception:
            logger.exception("hub: delivering to a socket failed; closing it to resume")
            self._give_up()
            return True

    def _deliver_now(self, event: dict) -> None:
        """An idle socket's event: run its handler at once, without a task of
        its own. If the handler has to wait, the socket's drain task finishes
        it (and then whatever queued meanwhile, in order)."""
        context = contextvars.copy_context()
        handler = self._handle_hub_event(event)
        try:
            waiting_on = context.run(handler.send, None)
        except StopIteration:
            return
        except (Exception, asyncio.CancelledError):
            logger.exception("hub: delivering to a socket failed; closing it to resume")
            self._give_up()
            return
        self._drainer = asyncio.get_running_loop().create_task(
            self._finish_then_drain(_Resume(handler, waiting_on)), context=context
        )

    async def _finish_then_drain(self, rest) -> None:
        try:
            await rest
        except Exception:
            logger.exception("hub: delivering to a socket failed; closing it to resume")
            self._give_up()
            return
        await self._drain()

    def _start_drain(self) -> None:
        if self._outbox and (self._drainer is None or self._drainer.done()):
            self._drainer = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        # Stops while held (a resume on the open socket): release_events
        # starts it again after the backlog.
        while self._outbox and not self._gone and not self._holding:
            event = self._outbox.popleft()
            if not self._outbox:
                self._outbox = None
            try:
                await self._handle_hub_event(event)
            except Exception:
                # Never leave a socket open and deaf: it reconnects and resumes.
                logger.exception("hub: delivering to a socket failed; closing it to resume")
                self._give_up()
                return

    def _give_up(self) -> None:
        self._gone = True
        self._outbox = None
        self.hub_leave()
        task = asyncio.get_running_loop().create_task(self.close(code=CLOSE_RECONNECT))
        _closing.add(task)
        task.add_done_callback(_closing.discard)

    async def _handle_hub_event(self, event: dict) -> None:
        name = self.HUB_HANDLERS.get(event.get("type"))
        if name is not None:
            await getattr(self, name)(event)

    async def hub_lost(self) -> None:
        await self.close(code=CLOSE_RECONNECT)


class _Resume:
    """Awaiting it carries on a coroutine that was started by hand and is
    waiting on `waiting_on` (what its first step yielded), the way `await`
    would have: results, exceptions and cancellation pass through."""

    __slots__ = ("coro", "waiting_on")

    def __init__(self, coro, waiting_on):
        self.coro, self.waiting_on = coro, waiting_on

    def __await__(self):
        coro, value = self.coro, self.waiting_on
        self.coro = self.waiting_on = None
        while True:
            try:
                sent = yield value
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:
                try:
                    value = coro.throw(exc)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    value = coro.send(sent)
                except StopIteration as stop:
                    return stop.value


async def close_loop_hubs() -> list["Hub"]:
    """Close this event loop's hubs while the loop still runs (at shutdown, or
    when a loop that served sockets ends), so no reader is left pending on a
    loop about to close. Returns the hubs it closed."""
    loop = asyncio.get_running_loop()
    closed = list((_hubs.get(loop) or {}).values())
    for hub in closed:
        await hub.close()
    _hubs.pop(loop, None)
    return closed
