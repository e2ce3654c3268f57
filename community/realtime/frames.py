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

Several texts in one write: a socket served here has `SEND_MANY` in its
scope's "extensions", and may send `{"type": SEND_MANY, "texts": (...)}`.
Each text still goes out as its own WebSocket frame, in order, but the frames
are joined and written in one call (a resume backlog of 20 messages was 20
trips through Channels, Daphne and the kernel). The joined bytes of a tuple of
texts are kept like single frames, so the members of a room who resume from
the same place after a network blip share them. Where the short path does not
apply, each text takes the normal path, one after another.

A text frame without a coroutine: a socket served here also has
`TEXT_NOWAIT` in its scope's "extensions": the socket's protocol, whose
`send_text_nowait(text)` sends one text now, from plain code. The hub hands a broadcast to
each idle socket that way (community.realtime.hub): the consumer's checks,
then the write, with no coroutine, context copy or trip through Channels'
and Daphne's send coroutines per socket.

Under Channels' WebsocketCommunicator (the tests) there is no Daphne and
nothing here runs: consumers behave exactly as before (without the
extension, they send text by text).
"""

from __future__ import annotations

import autobahn.websocket.protocol as _autobahn_protocol
from autobahn.websocket.protocol import WebSocketProtocol as _AutobahnProtocol
from daphne.http_protocol import WebRequest
from daphne.server import Server
from daphne.ws_protocol import WebSocketProtocol
from twisted.internet import tcp
from twisted.internet.protocol import connectionDone

from . import SEND_MANY, TEXT_NOWAIT

# Texts whose frames are kept; a broadcast's frame is reused while the Hub
# hands it to each local socket. Bigger texts are framed per socket (the
# cache must not hold megabytes), as are texts not seen before once it's full.
CACHE_ENTRIES = 64
CACHE_MAX_TEXT = 64 * 1024

# Joined frames of several texts: entries, the largest joined size kept, and
# the most kept in all.
BATCH_ENTRIES = 64
BATCH_MAX_BYTES = 256 * 1024
BATCH_TOTAL_BYTES = 4 * 1024 * 1024

_STATE_OPEN = _AutobahnProtocol.STATE_OPEN
_pformat = _autobahn_protocol.pformat


class _DeferredFormat:
    """pprint.pformat(value), computed when the log line is formatted."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __str__(self):
        return _pformat(self.value)

    __repr__ = __str__

    def __format__(self, spec):
        return format(str(self), spec)


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


class BatchCache:
    """tuple of texts -> the bytes of their frames, one after another."""

    def __init__(self, entries: int = BATCH_ENTRIES, max_bytes: int = BATCH_MAX_BYTES, total: int = BATCH_TOTAL_BYTES):
        self.entries, self.max_bytes, self.total = entries, max_bytes, total
        self._joined: dict[tuple, bytes] = {}
        self._size = 0
        self.built = 0

    def get(self, texts: tuple, factory) -> bytes | None:
        joined = self._joined.get(texts)
        if joined is not None:
            return joined
        if sum(map(len, texts)) > self.max_bytes:
            return None
        joined = b"".join(factory.prepareMessage(t.encode("utf8"), isBinary=False).payloadHybi for t in texts)
        self.built += 1
        if len(joined) > self.max_bytes:
            return joined  # sent, not kept
        kept = self._joined
        while kept and (len(kept) >= self.entries or self._size + len(joined) > self.total):
            self._size -= len(kept.pop(next(iter(kept))))
        kept[texts] = joined
        self._size += len(joined)
        return joined

    def clear(self) -> None:
        self._joined.clear()
        self._size = 0


frames = FrameCache()
batches = BatchCache()


class FrameOnceProtocol(WebSocketProtocol):
    """Daphne's WebSocket protocol; text frames are built once per text and
    written without a round trip through the event loop when possible."""

    # Daphne's own __hash__/__eq__ compare identity in Python; these are the
    # same comparison in C (Server.handle_reply looks the protocol up in its
    # connections on every send).
    __hash__ = object.__hash__
    __eq__ = object.__eq__

    def _connectionMade(self):
        # autobahn formats its whole configuration with pprint for a debug
        # line on every new connection, whether debug logging is on or not:
        # 5% of the server's CPU in a reconnect storm. While it sets the
        # connection up, its `pformat` gives a value that is formatted only
        # if the line is ever written.
        _autobahn_protocol.pformat = _DeferredFormat
        try:
            super()._connectionMade()
        finally:
            _autobahn_protocol.pformat = _pformat

    def connectionLost(self, reason=connectionDone):
        try:
            super().connectionLost(reason)
        finally:
            # Two reference cycles would keep the closed socket (its buffers,
            # headers, request and queue: ~50 objects the collector tracks)
            # until a full collection; nobody waits on either once the
            # connection is gone (Daphne sends nothing to a socket it has
            # seen disconnect):
            # - autobahn resolves `is_closed` with the protocol itself;
            # - a socket that closed before it was accepted or refused (it
            #   left while waiting in the connect gate, say) still has the
            #   handshake's Deferred, whose callbacks refer to the protocol.
            state = self.__dict__
            state.pop("handshake_deferred", None)
            closed = state.get("is_closed")
            if getattr(closed, "called", False) and getattr(closed, "result", None) is self:
                closed.result = None

    def handle_reply(self, message):
        if message.get("type") == SEND_MANY:
            self._send_many(message["texts"])
            return
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

    def send_text_nowait(self, text: str) -> bool:
        """`websocket.send` of `text`, done now and without a coroutine, if
        the short path applies; False: send it the normal way. As Daphne's
        handle_reply, a socket the server no longer serves gets nothing
        (True: there is nothing to do)."""
        connection = self.server.connections.get(self)
        if connection is None or connection.get("disconnected"):
            return True
        return self.state == _STATE_OPEN and self._send_shared(text)

    def _send_many(self, texts) -> None:
        """Each text as its own frame, in order: all in one write when the
        short path applies, else one by one as `websocket.send` would."""
        texts = tuple(texts)
        if not texts:
            return
        # A frame is at most 4 bytes per character plus a 10-byte header: a
        # conservative check against the size limits (else: the exact checks
        # of the normal path, text by text).
        largest = max(map(len, texts)) * 4 + 10
        if (
            len(texts) > 1
            and self._short_path()
            and not any(0 < limit < largest for limit in (self.maxMessagePayloadSize, self.autoFragmentSize))
        ):
            data = batches.get(texts, self.factory)
            if data is not None:
                stats = self.trafficStats
                stats.outgoingWebSocketMessages += len(texts)
                stats.outgoingWebSocketFrames += len(texts)
                stats.outgoingOctetsWireLevel += len(data)
                _write(self.transport, data)
                return
        for text in texts:
            self.handle_reply({"type": "websocket.send", "text": text})

    def _short_path(self) -> bool:
        return not (
            self.state != _STATE_OPEN
            or self._perMessageCompress is not None
            or self.send_queue
            or self.logFrames
            or self.logOctets
            or self.trackedTimings
            or not self.factory.isServer
            or self.maskServerFrames
        )

    def _send_shared(self, text: str) -> bool:
        """Send `text` as one prepared frame; False: take Daphne's path."""
        if not self._short_path():
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


# The extensions of every socket served here: SEND_MANY, and TEXT_NOWAIT
# whose value is the socket's protocol (its send_text_nowait).
_SEND_MANY_EXTENSION: dict = {}


class FrameOnceServer(Server):
    """Daphne's Server whose WebSocket factory builds FrameOnceProtocol (and
    whose sockets' scopes offer SEND_MANY and TEXT_NOWAIT)."""

    def protocol_disconnected(self, protocol):
        super().protocol_disconnected(protocol)
        # Daphne calls this as an HTTP request hands its connection over to
        # a WebSocket (it takes the request's transport first). The request
        # stays in its HTTP channel's list of requests, and refers to that
        # channel: a cycle that Twisted breaks when the channel's connection
        # is lost, which never happens to a channel whose connection went to
        # another protocol. Take the request out of the list.
        if isinstance(protocol, WebRequest) and protocol.transport is None:
            requests = getattr(getattr(protocol, "channel", None), "requests", None)
            if requests and protocol in requests:
                requests.remove(protocol)

    def create_application(self, protocol, scope):
        if scope.get("type") == "websocket" and type(protocol) is FrameOnceProtocol:
            extensions = scope.setdefault("extensions", {})
            extensions[SEND_MANY] = _SEND_MANY_EXTENSION
            extensions[TEXT_NOWAIT] = protocol
        return super().create_application(protocol, scope)

    @property
    def ws_factory(self):
        return self.__dict__.get("_ws_factory")

    @ws_factory.setter
    def ws_factory(self, factory):
        if factory is not None and factory.protocol is WebSocketProtocol:
            factory.protocol = FrameOnceProtocol
        self.__dict__["_ws_factory"] = factory
