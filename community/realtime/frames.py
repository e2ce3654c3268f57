"""Frames built once: one WebSocket frame per broadcast per process.

The Hub hands the same event to every local socket of a group, and each
consumer sends the event's JSON text — the very same str object — with
`base_send({"type": "websocket.send", "text": event["text"]})`. Daphne would
then, for every socket, encode the text to UTF-8, build a frame around it
through autobahn's general `sendMessage` (type assertions, compression and
fragmentation checks, a debug log line whose arguments are formatted on every
call) and hand it to Twisted, which buffers it and asks the event loop to
tell it when the socket is writable (two epoll changes and a loop callback
per frame) before it finally calls send().

`FrameOnceProtocol` is Daphne's WebSocket protocol with a shorter path for
text frames, used by `FrameOnceServer` (community.serve runs it):

- the frame (autobahn's `PreparedMessage`: header + UTF-8 payload, unmasked,
  one frame) is built once per text and kept in a small cache keyed by the
  text, so the 2nd … Nth socket of a broadcast reuse the same bytes;
- it is written straight to the socket when nothing is waiting in the
  connection's buffers (the bytes are then on the wire in the same order as
  before); what the kernel does not take, or any error, goes through
  Twisted's own buffered write, which reports errors as it always has.

Anything unusual takes Daphne's normal path unchanged: binary frames, a
socket that is not open yet (the first send accepts it) or is closing,
permessage-deflate negotiated on this socket (each socket's compressor has
its own state, so a frame cannot be shared), a message over the size limit
or the auto-fragment size, frame/octet logging, autobahn's own send queue
holding something, or a transport that is not a plain TCP connection (TLS
terminated by Twisted, for example).

Under Channels' WebsocketCommunicator (the tests) there is no Daphne and
nothing here runs: consumers behave exactly as before.
"""

from __future__ import annotations

from autobahn.websocket.protocol import WebSocketProtocol as _AutobahnProtocol
from daphne.server import Server
from daphne.ws_protocol import WebSocketProtocol
from twisted.internet import tcp

# Texts whose frames are kept; a broadcast's frame is reused while the Hub
# hands it to each local socket. Bigger texts are framed per socket (the
# cache must not hold megabytes), as are texts not seen before once it's full.
CACHE_ENTRIES = 64
CACHE_MAX_TEXT = 64 * 1024

_STATE_OPEN = _AutobahnProtocol.STATE_OPEN


class FrameCache:
    """text -> the bytes of one unmasked, unfragmented text frame."""

    def __init__(self, entries: int = CACHE_ENTRIES, max_text: int = CACHE_MAX_TEXT):
        self.entries = entries
        self.max_text = max_text
        self._frames: dict[str, bytes] = {}
        self.built = 0  # frames built (for tests and measurements)

    def get(self, text: str, factory) -> bytes | None:
        frame = self._frames.get(text)
        if frame is not None:
            return frame
        if len(text) > self.max_text:
            return None
        frame = factory.prepareMessage(text.encode("utf8"), isBinary=False).payloadHybi
        self.built += 1
        frames = self._frames
        if len(frames) >= self.entries:
            del frames[next(iter(frames))]  # the oldest
        frames[text] = frame
        return frame

    def clear(self) -> None:
        self._frames.clear()


frames = FrameCache()


class FrameOnceProtocol(WebSocketProtocol):
    """Daphne's WebSocket protocol; text frames are built once per text and
    written without a round trip through the event loop when possible."""

    # Daphne's own __hash__/__eq__ compare identity in Python; these are the
    # same comparison in C (Server.handle_reply looks the protocol up in its
    # connections on every send).
    __hash__ = object.__hash__
    __eq__ = object.__eq__

    def handle_reply(self, message):
        if (
            message.get("type") == "websocket.send"
            and self.state == _STATE_OPEN
            and not message.get("bytes")
            and message.get("text")
            and self._send_shared(message["text"])
        ):
            return
        super().handle_reply(message)

    def serverSend(self, content, binary=False):
        if binary or not self._send_shared(content):
            super().serverSend(content, binary)

    def _send_shared(self, text: str) -> bool:
        """Send `text` as one prepared frame; False: take Daphne's path."""
        if (
            self.state != _STATE_OPEN
            or self._perMessageCompress is not None
            or self.send_queue
            or self.logFrames
            or self.logOctets
            or self.trackedTimings
            or not self.factory.isServer
            or self.maskServerFrames
        ):
            return False
        frame = frames.get(text, self.factory)
        if frame is None:
            return False
        size = len(frame)  # >= the UTF-8 payload: a conservative size check
        if 0 < self.maxMessagePayloadSize < size or 0 < self.autoFragmentSize < size:
            return False
        stats = self.trafficStats
        stats.outgoingWebSocketMessages += 1
        stats.outgoingWebSocketFrames += 1
        stats.outgoingOctetsWireLevel += size
        _write(self.transport, frame)
        return True


def _write(transport, data: bytes) -> None:
    """transport.write(data), but straight to the socket when the connection
    has nothing buffered (so nothing can be overtaken)."""
    if (
        type(transport) is tcp.Server
        and transport.connected
        and not transport.disconnecting
        and not transport._writeDisconnected
        and not transport.TLS
        and not transport._tempDataBuffer
        and transport.offset == len(transport.dataBuffer)
    ):
        try:
            sent = transport.socket.send(data)
        except OSError:
            # Would block: Twisted waits for the socket. Anything else:
            # Twisted's own write meets the same error and closes the
            # connection the usual way.
            sent = 0
        if sent >= len(data):
            return
        data = data[sent:]
    transport.write(data)


class FrameOnceServer(Server):
    """Daphne's Server whose WebSocket factory builds FrameOnceProtocol."""

    @property
    def ws_factory(self):
        return self.__dict__.get("_ws_factory")

    @ws_factory.setter
    def ws_factory(self, factory):
        if factory is not None and factory.protocol is WebSocketProtocol:
            factory.protocol = FrameOnceProtocol
        self.__dict__["_ws_factory"] = factory
