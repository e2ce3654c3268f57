"""A few sockets connect at a time per process; the rest wait their turn.

Every database call of a socket runs on the process's one database thread,
first come first served. When 200 members connect at once (a server restart,
a network blip, the start of a meeting), their session, membership and
backlog reads used to queue ahead of everyone else's sends, and messages in
every room stalled for seconds. The gate lets CONNECTS_AT_ONCE handshakes do
their database work at a time: the queue never holds more than a handful of
connect jobs ahead of a send, and the connects themselves finish about as
fast, since the database thread was the bottleneck anyway.

A slot is taken before the consumer runs (it reads the session and user in
its first trip to the database thread) and given back when the
socket is accepted or refused — or, for a consumer that claims it
(`hold_past_accept`), when that consumer says its connect work is done (the
room socket sends its resume backlog after accepting). A slot is always
given back when the application returns or fails.

A connect that waits in the queue and whose client goes away meanwhile (it
gave up, or the server's handshake timeout, Daphne's 5 s, rejected it) does
no work at all; nor does one that waited longer than WAIT_MAX seconds, by
which time its handshake has been rejected: either would only load a room,
mark someone online and read a backlog for nobody, and make a burst longer.
"""

import asyncio
import contextlib
import contextvars
import time
import weakref

from django.conf import settings

# Daphne rejects a handshake not accepted within 5 s (--websocket_connect_timeout).
WAIT_MAX = 4.5

_gates: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]" = weakref.WeakKeyDictionary()


def _gate() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = asyncio.Semaphore(getattr(settings, "WS_CONNECTS_AT_ONCE", 4))
    return gate


# The socket's slot, for the consumer that holds it past accept. A context
# variable rather than a scope key: a copy of the scope per socket would live
# as long as the socket (memory per idle socket is one of the goals).
current_slot: contextvars.ContextVar["Slot | None"] = contextvars.ContextVar("connect_slot", default=None)


class Slot:
    """One socket's place in the gate: given back once (`release`), at
    accept unless the consumer holds it past accept (`hold_past_accept`),
    or at close. This is what current_slot holds, and only this: a task
    started from the socket's context (the hub's reader, say) copies it, and
    must not keep the socket's server objects alive with it."""

    __slots__ = ("_gate", "_held", "hold_past_accept")

    def __init__(self, gate: asyncio.Semaphore):
        self._gate = gate
        self._held = True
        self.hold_past_accept = False

    def release(self) -> None:
        if self._held:
            self._held = False
            self._gate.release()


class Admission:
    """A socket let through the gate: its Slot, and the receive and send the
    application gets: `receive` hands on first what the client sent while
    it waited, `send` gives the slot back at accept (unless held past
    accept) or close."""

    __slots__ = ("_early", "_receive", "_send", "slot")

    def __init__(self, slot: Slot, early: list, receive, send):
        self.slot = slot
        self._early = early
        self._receive = receive
        self._send = send

    async def receive(self):
        if self._early:
            return self._early.pop(0)
        return await self._receive()

    async def send(self, message):
        slot = self.slot
        if slot._held:
            kind = message.get("type")
            if kind == "websocket.close" or (kind == "websocket.accept" and not slot.hold_past_accept):
                slot.release()
        await self._send(message)


async def admit(receive, send) -> Admission | None:
    """Wait for a place in this event loop's gate. Returns the socket's
    Admission (whose receive and send the application is to use, and whose
    slot the caller releases when the application ends), or None if the
    client left or waited past its handshake timeout: then nothing is to be
    done."""
    gate = _gate()
    early = await _queue(gate, receive)
    if early is None:
        return None
    return Admission(Slot(gate), early, receive, send)


async def _queue(gate: asyncio.Semaphore, receive) -> list | None:
    """Wait for a slot, reading what the client sends meanwhile (its connect
    request). Returns those messages to hand on, with the slot held; or None,
    holding nothing, if the client disconnected or WAIT_MAX passed."""
    if not gate.locked():
        await gate.acquire()
        return []
    early: list = []
    deadline = time.monotonic() + WAIT_MAX
    acquiring = asyncio.ensure_future(gate.acquire())
    gone = False
    try:
        while not acquiring.done() and not gone:
            reading = asyncio.ensure_future(receive())
            await asyncio.wait(
                {acquiring, reading}, timeout=max(0.0, deadline - time.monotonic()), return_when=asyncio.FIRST_COMPLETED
            )
            if reading.done():
                message = reading.result()
                early.append(message)
                gone = message.get("type") == "websocket.disconnect"
            else:
                # Stop reading (a queue's get gives nothing up when cancelled).
                reading.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reading
                if not acquiring.done():
                    gone = True  # WAIT_MAX passed: the handshake was rejected
    finally:
        if not acquiring.done():
            acquiring.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await acquiring
    if acquiring.cancelled():
        return None
    if gone:
        gate.release()  # acquired at the same moment: hand it on
        return None
    return early
