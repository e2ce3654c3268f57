"""A few sockets connect at a time per process; the rest wait their turn.

Every database call of a socket runs on the process's one database thread,
first come first served. When 200 members connect at once (a server restart,
a network blip, the start of a meeting), their session, membership and
backlog reads used to queue ahead of everyone else's sends, and messages in
every room stalled for seconds. The gate lets CONNECTS_AT_ONCE handshakes do
their database work at a time: the queue never holds more than a handful of
connect jobs ahead of a send, and the connects themselves finish about as
fast, since the database thread was the bottleneck anyway.

A slot is taken before the session and user are read (Channels' auth
middleware does that before the consumer runs) and given back when the
socket is accepted or refused — or, for a consumer that claims it
(`hold_past_accept`), when that consumer says its connect work is done (the
room socket sends its resume backlog after accepting). A slot is always
given back when the application returns or fails.
"""

import asyncio
import weakref

from django.conf import settings

_gates: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]" = weakref.WeakKeyDictionary()


def _gate() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = asyncio.Semaphore(getattr(settings, "WS_CONNECTS_AT_ONCE", 4))
    return gate


class Slot:
    """One socket's place in the gate; shared through the scope."""

    def __init__(self, gate: asyncio.Semaphore):
        self._gate = gate
        self._held = True
        self.hold_past_accept = False

    def release(self) -> None:
        if self._held:
            self._held = False
            self._gate.release()


class ConnectGate:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await self.app(scope, receive, send)
        gate = _gate()
        await gate.acquire()
        slot = Slot(gate)

        async def gated_send(message):
            kind = message.get("type")
            if kind == "websocket.close" or (kind == "websocket.accept" and not slot.hold_past_accept):
                slot.release()
            await send(message)

        try:
            return await self.app({**scope, "connect_slot": slot}, receive, gated_send)
        finally:
            slot.release()
