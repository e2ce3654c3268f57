"""Frames built once (community/realtime/frames.py), against a live Daphne
started as in production (`python -m community.serve`), read byte for byte by
a raw WebSocket client: every socket of a room gets the very same frame for
a broadcast, in order; a socket that negotiated permessage-deflate still gets
its own compressed frame. Plus the Hub's delivery without a task per event
(community/realtime/hub.py), in process."""

import asyncio
import base64
import contextlib
import json
import secrets
import struct
import subprocess
import sys
import time
import urllib.request
import uuid
import zlib
from pathlib import Path

import pytest

from community.realtime import hub as hub_module
from community.realtime.frames import FrameCache, FrameOnceProtocol, FrameOnceServer, _write
from tests.e2e.conftest import ROOT, free_port, server_env

MEMBERS = 12

SETUP = """
import json
from datetime import timedelta
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from community.models import User
from groups.models import Membership, Room

now = timezone.now()
room = Room.objects.create(slug="frames", name="Frames", kind=Room.Kind.TOPIC)
keys = []
for i in range(MEMBERS):
    user = User.objects.create(email=f"frames{i}@example.org", display_name=f"frames {i}", password="!")
    Membership.objects.create(room=room, user=user, accepted_guidelines_at=now)
    store = SessionStore()
    store.update({
        "_auth_user_id": str(user.pk),
        "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
        "_auth_user_hash": user.get_session_auth_hash(),
    })
    store.set_expiry(timedelta(days=1))
    store.create()
    keys.append(store.session_key)
room.member_count = len(keys)
room.save(update_fields=["member_count"])
with open(SESSIONS_PATH, "w") as f:
    json.dump(keys, f)
"""

# community.serve's server with permessage-deflate accepted (Daphne never
# accepts it by default): a socket that asks for it has its own compressor.
DEFLATE_SERVER = """
import sys
from autobahn.websocket.compress import PerMessageDeflateOffer, PerMessageDeflateOfferAccept
from community import serve

def accept(offers):
    for offer in offers:
        if isinstance(offer, PerMessageDeflateOffer):
            return PerMessageDeflateOfferAccept(offer)

Base = serve.RedactingServer

class DeflatingServer(Base):
    @Base.ws_factory.setter
    def ws_factory(self, factory):
        Base.ws_factory.fset(self, factory)
        factory.setProtocolOptions(perMessageCompressionAccept=accept)

serve.RedactingServer = DeflatingServer
serve.main(sys.argv[1:])
"""

# community.serve as it is, counting (per text marked "counted-") the frames
# built, the sockets each was sent to, and the sends that left nothing in
# Twisted's buffer (written straight to the socket); written out at exit.
COUNTING_SERVER = """
import atexit, json, os, sys
from community import serve
from community.realtime import frames as F

counts = {}

def entry(text):
    return counts.setdefault(text, {"built": 0, "sent": 0, "direct": 0})

get = F.FrameCache.get
def counting_get(self, text, factory):
    if "counted-" in text and text not in self._frames:
        entry(text)["built"] += 1
    return get(self, text, factory)
F.FrameCache.get = counting_get

send_shared = F.FrameOnceProtocol._send_shared
def counting_send_shared(self, text):
    shared = send_shared(self, text)
    if shared and "counted-" in text:
        entry(text)["sent"] += 1
        if not self.transport._tempDataBuffer:
            entry(text)["direct"] += 1
    return shared
F.FrameOnceProtocol._send_shared = counting_send_shared

batch_get = F.BatchCache.get
def counting_batch_get(self, texts, factory):
    if any("counted-batch" in t for t in texts) and texts not in self._joined:
        entry("batches")["built"] += 1
    return batch_get(self, texts, factory)
F.BatchCache.get = counting_batch_get

write = F._write
def counting_write(transport, data):
    n = data[1] & 0x7F
    head = 2 + (2 if n == 126 else 8 if n == 127 else 0)
    first = head + (n if n < 126 else int.from_bytes(data[2:head], "big"))
    if b"counted-batch" in data and first < len(data):  # several frames in one write
        entry("batches")["sent"] += 1
    return write(transport, data)
F._write = counting_write

atexit.register(lambda: open(os.environ["FRAME_COUNTS"], "w").write(json.dumps(counts)))
serve.main(sys.argv[1:])
"""


# community.serve with the cyclic garbage collector off: at exit, everything
# left in reference cycles is collected and counted by type (module.name).
CYCLE_SERVER = """
import atexit, collections, gc, json, os, sys
from community import serve

gc.disable()

class Marker:
    pass

def count():
    marker = Marker()  # one cycle left on purpose: the count sees cycles
    marker.itself = marker
    del marker
    gc.set_debug(gc.DEBUG_SAVEALL)
    gc.collect()
    def kind(o):
        name = f"{type(o).__module__}.{type(o).__qualname__}"
        if name == "daphne.http_protocol.WebRequest":  # which request: a socket's or a page's
            name += " " + (o.path or b"").decode()
        return name

    kinds = collections.Counter(map(kind, gc.garbage))
    open(os.environ["CYCLE_COUNTS"], "w").write(json.dumps(kinds))

atexit.register(count)
serve.main(sys.argv[1:])
"""


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def _server(tmp: Path, env: dict, name: str, launcher: list[str]):
    port = free_port()
    env = {**env, "SITE_ORIGINS": f"http://127.0.0.1:{port}"}
    log_path = tmp / f"{name}.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [*launcher, "-b", "127.0.0.1", "-p", str(port), "alumni.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while not _healthy(f"http://127.0.0.1:{port}/healthz"):
                assert process.poll() is None, log_path.read_text()[-2000:]
                assert time.monotonic() < deadline, log_path.read_text()[-2000:]
                time.sleep(0.2)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


class Served:
    def __init__(self, tmp: Path, env: dict, sessions: list[str]):
        self.tmp, self.env, self.sessions = tmp, env, sessions
        self.port = self.deflate_port = 0


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One SQLite database with a room of MEMBERS members and their sessions,
    served by `python -m community.serve` (port) and by the same server with
    permessage-deflate accepted (deflate_port)."""
    tmp = tmp_path_factory.mktemp("frames")
    env = server_env(tmp / "db.sqlite3")
    env.update(DEBUG="0", SECRET_KEY="frames-" + secrets.token_urlsafe(30), SECURE_SSL_REDIRECT="0")
    env.update(SESSION_COOKIE_SECURE="0", CSRF_COOKIE_SECURE="0", LOG_LEVEL="WARNING")
    env.update(RATE_LIMIT_BURST="1000", RATE_LIMIT_PER_MINUTE="100000")
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    sessions_path = tmp / "sessions.json"
    subprocess.run(
        [*manage, "shell", "-c", f"MEMBERS = {MEMBERS}\nSESSIONS_PATH = {str(sessions_path)!r}\n{SETUP}"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    result = Served(tmp, env, json.loads(sessions_path.read_text()))
    with (
        _server(tmp, env, "serve", [sys.executable, "-m", "community.serve"]) as result.port,
        _server(tmp, env, "deflate", [sys.executable, "-c", DEFLATE_SERVER]) as result.deflate_port,
    ):
        yield result


# --- a raw client: the frames exactly as they came off the wire ------------------


def _handshake(port: int, session: str, *, deflate: bool = False, query: str = "") -> bytes:
    """A browser's opening handshake for the test room, as `session`."""
    key = base64.b64encode(secrets.token_bytes(16)).decode()
    lines = [
        f"GET /ws/rooms/frames/{query} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        f"Origin: http://127.0.0.1:{port}",
        f"Cookie: sessionid={session}",
    ]
    if deflate:
        lines.append("Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class RawSocket:
    """Reads frames in a task of its own into a queue, so waiting with a
    timeout never cuts a frame in half."""

    def __init__(self, reader, writer, deflate: bool):
        # With deflate, server_no_context_takeover is asked for: each message
        # inflates on its own.
        self.reader, self.writer, self.deflate = reader, writer, deflate
        self.frames: asyncio.Queue = asyncio.Queue()
        self.task = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def open(cls, port: int, session: str, *, deflate: bool = False, query: str = "") -> "RawSocket":
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(_handshake(port, session, deflate=deflate, query=query))
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        assert head.startswith(b"HTTP/1.1 101"), head
        negotiated = b"permessage-deflate" in head.lower()
        assert negotiated == deflate, head
        return cls(reader, writer, deflate)

    async def _read(self) -> None:
        reader = self.reader
        while True:
            try:
                head = await reader.readexactly(2)
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            n = head[1] & 0x7F
            extra = b""
            if n == 126:
                extra = await reader.readexactly(2)
                n = struct.unpack("!H", extra)[0]
            elif n == 127:
                extra = await reader.readexactly(8)
                n = struct.unpack("!Q", extra)[0]
            payload = await reader.readexactly(n)
            self.frames.put_nowait((head + extra + payload, head[0], head[1], payload))

    async def frame(self, timeout: float = 10) -> tuple[bytes, int, bytes]:
        """(the whole frame as sent, its first byte, its payload)."""
        raw, first, second, payload = await asyncio.wait_for(self.frames.get(), timeout)
        assert not second & 0x80, "a server frame is never masked"
        return raw, first, payload

    def text_of(self, first: int, payload: bytes) -> str:
        if first & 0x40:  # RSV1: compressed (RFC 7692)
            assert self.deflate
            return zlib.decompressobj(-15).decompress(payload + b"\x00\x00\xff\xff").decode()
        return payload.decode()

    async def until_message(self, body: str) -> tuple[bytes, int, str]:
        """Skip presence and other chatter until the `message` frame of `body`;
        a `message` frame of another body on the way fails (order)."""
        while True:
            raw, first, payload = await self.frame()
            assert first & 0x0F in (0x1, 0x9), f"unexpected opcode in {first:#x}"
            if first & 0x0F != 0x1:
                continue
            text = self.text_of(first, payload)
            data = json.loads(text)
            if data.get("type") == "message":
                assert data["message"]["body"] == body, "messages arrive in the order they were sent"
                return raw, first, text
            assert data.get("type") != "error", data

    def send(self, frame: dict) -> None:
        payload = json.dumps(frame).encode()
        mask = secrets.token_bytes(4)
        n = len(payload)
        head = bytes([0x81, 0x80 | n]) if n < 126 else bytes([0x81, 0x80 | 126]) + struct.pack("!H", n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.writer.write(head + mask + masked)

    def close(self) -> None:
        self.task.cancel()
        self.writer.close()


async def _settle(sockets, quiet: float = 0.5) -> None:
    """Drop frames until no socket has had one for `quiet` seconds (the
    presence broadcasts of everyone joining)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        await asyncio.sleep(quiet)
        if all(s.frames.empty() for s in sockets):
            return
        for s in sockets:
            while not s.frames.empty():
                s.frames.get_nowait()
    raise AssertionError("the room never went quiet")


def _post(sender: RawSocket, body: str) -> None:
    sender.send({"type": "message.send", "client_id": str(uuid.uuid4()), "body": body})


def _plain_frame(text: str) -> bytes:
    """A single unmasked text frame, as autobahn's sendMessage builds it."""
    payload = text.encode()
    n = len(payload)
    if n <= 125:
        return bytes([0x81, n]) + payload
    if n <= 0xFFFF:
        return bytes([0x81, 126]) + struct.pack("!H", n) + payload
    return bytes([0x81, 127]) + struct.pack("!Q", n) + payload


def test_every_socket_gets_the_same_frame_in_order(served):
    port, sessions = served.port, served.sessions

    async def run():
        sockets = [await RawSocket.open(port, key) for key in sessions]
        try:
            await _settle(sockets)
            sender, receivers = sockets[0], sockets[1:]
            bodies = [f"frame-once {n}" + " é✓" * n for n in range(5)]
            for body in bodies:
                _post(sender, body)
            for body in bodies:
                got = await asyncio.gather(*(s.until_message(body) for s in receivers))
                frames = {raw for raw, _, _ in got}
                assert len(frames) == 1, "every socket gets byte-for-byte the same frame"
                raw, first, text = got[0]
                assert first == 0x81  # FIN, no RSV bits, text
                assert raw == _plain_frame(text)  # what Daphne's own path writes
                assert json.loads(text)["message"]["body"] == body
        finally:
            for s in sockets:
                s.close()

    asyncio.run(run())


def test_a_big_frame_and_many_in_a_row_arrive_whole_and_in_order(served):
    port, sessions = served.port, served.sessions

    async def run():
        sockets = [await RawSocket.open(port, key) for key in sessions[:4]]
        try:
            await _settle(sockets)
            sender, receivers = sockets[0], sockets[1:]
            bodies = [f"burst {n} " + "x" * (1 + n * 97 % 3000) for n in range(40)]
            for body in bodies:
                _post(sender, body)
            for receiver in receivers:
                for body in bodies:  # until_message fails on anything out of order
                    raw, _first, text = await receiver.until_message(body)
                    assert raw == _plain_frame(text)
        finally:
            for s in sockets:
                s.close()

    asyncio.run(run())


def test_a_socket_with_permessage_deflate_gets_its_own_compressed_frame(served):
    port, sessions = served.deflate_port, served.sessions

    async def run():
        plain = [await RawSocket.open(port, key) for key in sessions[:5]]
        deflated = [await RawSocket.open(port, key, deflate=True) for key in sessions[5:9]]
        sockets = [*plain, *deflated]
        try:
            await _settle(sockets)
            for n in range(3):
                body = f"deflate check {n}" + " compressible" * 20
                _post(plain[0], body)
                got_plain = await asyncio.gather(*(s.until_message(body) for s in plain[1:]))
                got_deflated = await asyncio.gather(*(s.until_message(body) for s in deflated))
                texts = {text for _, _, text in [*got_plain, *got_deflated]}
                assert len(texts) == 1, "everyone reads the same text"
                (text,) = texts
                assert {raw for raw, _, _ in got_plain} == {_plain_frame(text)}
                for raw, first, _ in got_deflated:
                    assert first == 0xC1  # FIN, RSV1 (compressed), text
                    assert len(raw) < len(_plain_frame(text))
        finally:
            for s in sockets:
                s.close()

    asyncio.run(run())


def test_each_broadcast_is_framed_once_and_written_straight_to_each_socket(served):
    counts_path = served.tmp / "counts.json"
    env = {**served.env, "FRAME_COUNTS": str(counts_path)}
    members = 6

    async def run(port):
        sockets = [await RawSocket.open(port, key) for key in served.sessions[:members]]
        try:
            await _settle(sockets)
            for n in range(3):
                body = f"counted-{n}"
                _post(sockets[0], body)
                await asyncio.gather(*(s.until_message(body) for s in sockets[1:]))
        finally:
            for s in sockets:
                s.close()

    with _server(served.tmp, env, "counting", [sys.executable, "-c", COUNTING_SERVER]) as port:
        asyncio.run(run(port))
    counts = json.loads(counts_path.read_text())
    assert len(counts) == 3, counts
    for text, c in counts.items():
        assert c["built"] == 1, (text, c)  # one frame per broadcast per process
        assert c["sent"] >= members - 1, (text, c)  # ... sent to every socket of the room
        assert c["direct"] == c["sent"], (text, c)  # idle sockets: nothing left in Twisted's buffer


def test_a_closed_socket_leaves_nothing_for_the_cycle_collector(served):
    """A socket's protocol, HTTP request and consumer are freed as it closes,
    not left in reference cycles for a full collection: at 20 reconnects a
    second those cycles (~50 tracked objects and the socket's buffers each)
    grew the soak's memory by 180 MiB between full collections."""
    counts_path = served.tmp / "cycles.json"
    env = {**served.env, "CYCLE_COUNTS": str(counts_path), "WS_CONNECTS_AT_ONCE": "1"}
    members = 8

    async def run(port):
        for _ in range(2):
            sockets = [await RawSocket.open(port, key) for key in served.sessions[:members]]
            await _settle(sockets)
            body = f"cycles {uuid.uuid4()}"
            _post(sockets[0], body)
            await asyncio.gather(*(s.until_message(body) for s in sockets[1:]))
            for s in sockets:
                s.close()
        # A burst that leaves before it is let in: with one place in the
        # connect gate, most of these close while they wait for it.
        for _ in range(2):
            left = []
            for key in served.sessions[:MEMBERS]:
                _reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(_handshake(port, key))
                left.append(writer)
            await asyncio.sleep(0.02)
            for writer in left:
                writer.close()
        await asyncio.sleep(3)  # the server notices and lets the consumers finish

    with _server(served.tmp, env, "cycles", [sys.executable, "-c", CYCLE_SERVER]) as port:
        asyncio.run(run(port))
    garbage = json.loads(counts_path.read_text())
    # (The readiness checks' plain HTTP requests do leave cycles: Django's
    # request and its message storage refer to each other, and its handler
    # keeps the traceback of the task it cancels. They die young, and are
    # not what this is about.)
    socket_parts = {
        "community.realtime.frames.FrameOnceProtocol",
        "daphne.http_protocol.WebRequest /ws/rooms/frames/",
        "twisted.web.http.HTTPChannel",
        "twisted.internet.defer.Deferred",
        "autobahn.websocket.types.ConnectionRequest",
        "autobahn.websocket.protocol.TrafficStats",
        "groups.consumers.RoomConsumer",
    }
    assert garbage.get("__main__.Marker") == 1  # the count does see cycles
    left = {kind: n for kind, n in garbage.items() if kind in socket_parts}
    assert left == {}, left


async def _post_and_resume(port, sessions, bodies, *, deflate=False):
    """One member posts `bodies`; three others then connect resuming from
    just before them. Returns, for each, the frames up to `resumed`."""
    sender = await RawSocket.open(port, sessions[0])
    try:
        await _settle([sender])
        for body in bodies:
            _post(sender, body)
        seqs = []
        for body in bodies:
            _, _, text = await sender.until_message(body)
            seqs.append(json.loads(text)["message"]["seq"])
        query = f"?after_seq={seqs[0] - 1}&changes=0"
        resumed = [await RawSocket.open(port, key, deflate=deflate, query=query) for key in sessions[1:4]]
        got = []
        for sock in resumed:
            frames = []
            while True:
                raw, first, payload = await sock.frame()
                if first & 0x0F != 0x1:
                    continue
                data = json.loads(sock.text_of(first, payload))
                if data["type"] == "resumed":
                    break
                if data["type"] == "message":
                    frames.append((raw, first, data["message"]["body"]))
            got.append(frames)
            sock.close()
        return got
    finally:
        sender.close()


def test_a_resume_backlog_arrives_as_one_frame_per_message_in_order(served):
    bodies = [f"backlog {n} " + "é" * (1 + n * 40) for n in range(6)]
    got = asyncio.run(_post_and_resume(served.port, served.sessions, bodies))
    for frames in got:
        assert [body for _, _, body in frames] == bodies
        for raw, first, _ in frames:
            assert first == 0x81
            assert raw == _plain_frame(raw[2:].decode() if raw[1] < 126 else raw[4:].decode())
    assert {tuple(raw for raw, _, _ in frames) for frames in got} == {tuple(raw for raw, _, _ in got[0])}


def test_a_resume_backlog_to_a_deflate_socket_is_compressed_frame_by_frame(served):
    bodies = [f"deflated backlog {n}" + " again" * 30 for n in range(4)]
    got = asyncio.run(_post_and_resume(served.deflate_port, served.sessions, bodies, deflate=True))
    for frames in got:
        assert [body for _, _, body in frames] == bodies
        assert {first for _, first, _ in frames} == {0xC1}


def test_members_resuming_from_the_same_place_share_one_joined_write(served):
    counts_path = served.tmp / "batch-counts.json"
    env = {**served.env, "FRAME_COUNTS": str(counts_path)}
    bodies = [f"counted-batch {n}" for n in range(5)]
    with _server(served.tmp, env, "counting-batch", [sys.executable, "-c", COUNTING_SERVER]) as port:
        got = asyncio.run(_post_and_resume(port, served.sessions, bodies))
    assert all([body for _, _, body in frames] == bodies for frames in got)
    batches = json.loads(counts_path.read_text())["batches"]
    assert batches["built"] == 1, batches  # joined once ...
    assert batches["sent"] == 3, batches  # ... and written once to each of the three


# --- in process ------------------------------------------------------------------


class _Factory:
    isServer = True

    def __init__(self):
        from autobahn.websocket.protocol import WebSocketServerFactory

        self._real = WebSocketServerFactory()

    def prepareMessage(self, payload, isBinary=False):
        return self._real.prepareMessage(payload, isBinary)


def test_the_frame_cache_builds_each_text_once_and_stays_small():
    cache = FrameCache(entries=3, max_text=100)
    factory = _Factory()
    text = '{"type":"message","body":"h\u00e9"}'
    first = cache.get(text, factory)
    assert first == _plain_frame(text)
    assert all(cache.get(text, factory) is first for _ in range(100))
    assert cache.get("".join(text), factory) is first  # an equal text: the same frame
    assert cache.built == 1
    for n in range(5):
        cache.get(f"other {n}", factory)
    assert len(cache._frames) == 3
    assert text not in cache._frames
    assert cache.get("x" * 101, factory) is None  # framed per socket, never kept
    assert len(cache._frames) == 3


def test_daphne_protocol_and_server_are_swapped_only_where_expected():
    from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol

    server = FrameOnceServer.__new__(FrameOnceServer)
    factory = WebSocketFactory(server, server="test")
    server.ws_factory = factory
    assert server.ws_factory is factory
    assert factory.protocol is FrameOnceProtocol

    class Custom(WebSocketProtocol):
        pass

    other = WebSocketFactory(server, server="test")
    other.protocol = Custom
    server.ws_factory = other
    assert other.protocol is Custom  # someone else's protocol is left alone


def test_write_falls_back_to_the_transports_own_write():
    class Transport:
        def __init__(self):
            self.written = []

        def write(self, data):
            self.written.append(data)

    transport = Transport()
    _write(transport, b"\x81\x01a")
    assert transport.written == [b"\x81\x01a"]


# --- the Hub's delivery without a task per event --------------------------------


class _Sock(hub_module.HubConsumerMixin):
    """Just the mixin, with a handler that can be made to wait."""

    def __init__(self):
        super().__init__()
        self.seen: list[int] = []
        self.gate: asyncio.Event | None = None
        self.closed_with = None

    async def frame(self, event):
        if self.gate is not None and event["n"] == 0:
            await self.gate.wait()
        self.seen.append(event["n"])

    async def force_disconnect(self, event):
        pass

    async def close(self, code=None):
        self.closed_with = code


def test_an_idle_socket_gets_its_event_without_a_task():
    async def run():
        sock = _Sock()
        tasks_before = len(asyncio.all_tasks())
        for n in range(3):
            sock.hub_event_nowait({"type": "frame", "n": n})
            assert sock.seen == list(range(n + 1))  # delivered at once
        assert sock._drainer is None
        assert len(asyncio.all_tasks()) == tasks_before

    asyncio.run(run())


def test_a_handler_that_waits_is_finished_by_the_socket_task_in_order():
    async def run():
        sock = _Sock()
        sock.gate = asyncio.Event()
        for n in range(4):
            sock.hub_event_nowait({"type": "frame", "n": n})
        assert sock.seen == []
        assert len(sock._outbox) == 3
        sock.gate.set()
        await asyncio.wait_for(asyncio.shield(sock._drainer), 2)
        assert sock.seen == [0, 1, 2, 3]
        sock.hub_event_nowait({"type": "frame", "n": 4})
        assert sock.seen == [0, 1, 2, 3, 4]

    asyncio.run(run())


def test_a_waiting_handler_can_be_cancelled_and_the_socket_closes_on_failure():
    async def run():
        sock = _Sock()
        sock.gate = asyncio.Event()
        sock.hub_event_nowait({"type": "frame", "n": 0})
        sock._drainer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await sock._drainer

        broken = _Sock()

        async def fails(event):
            raise RuntimeError("the transport went away")

        broken.frame = fails
        broken.hub_event_nowait({"type": "frame", "n": 0})
        await asyncio.sleep(0)
        assert broken._gone
        assert broken.closed_with == hub_module.CLOSE_RECONNECT

    asyncio.run(run())


def test_context_changes_in_one_delivery_do_not_leak_into_the_next():
    import contextvars

    var = contextvars.ContextVar("frames_once_test", default="unset")

    async def run():
        sock = _Sock()
        seen = []

        async def frame(event):
            seen.append(var.get())
            var.set(f"set by {event['n']}")

        sock.frame = frame
        for n in range(3):
            sock.hub_event_nowait({"type": "frame", "n": n})
        assert seen == ["unset"] * 3
        assert var.get() == "unset"

    asyncio.run(run())


def test_production_runs_the_frame_once_server():
    from community import serve

    assert issubclass(serve.RedactingServer, FrameOnceServer)


def test_autobahns_configuration_dump_is_formatted_only_if_written(monkeypatch):
    """autobahn pretty-prints its configuration for a debug line on every new
    connection; under FrameOnceProtocol the value is formatted only when the
    line is, and autobahn's `pformat` is itself again afterwards, even when
    setting the connection up fails."""
    import pprint

    import autobahn.websocket.protocol as autobahn_protocol
    from daphne.ws_protocol import WebSocketProtocol as DaphneProtocol

    config = [("autoPingInterval", 0, "WebSocketFactory"), ("openHandshakeTimeout", 5, "WebSocketFactory")]
    seen = {}

    def connection_made(self):
        seen["value"] = autobahn_protocol.pformat(config)
        raise RuntimeError("the handshake failed")

    monkeypatch.setattr(DaphneProtocol, "_connectionMade", connection_made, raising=False)
    with pytest.raises(RuntimeError):
        FrameOnceProtocol._connectionMade(object.__new__(FrameOnceProtocol))
    assert autobahn_protocol.pformat is pprint.pformat
    assert not isinstance(seen["value"], str)
    assert "\n{attrs}".format(attrs=seen["value"]) == "\n" + pprint.pformat(config)
    assert str(seen["value"]) == repr(seen["value"]) == pprint.pformat(config)


# --- a frame sent from plain code (TEXT_NOWAIT) ------------------------------------------


class _Protocol:
    """What the scope's TEXT_NOWAIT holds: it says it sent, unless told."""

    def __init__(self):
        self.texts: list[str] = []
        self.refuse = False

    def send_text_nowait(self, text):
        if self.refuse:
            return False
        self.texts.append(text)
        return True


class _TextSock(_Sock):
    """A socket on our server: hub_frame_text decides, the server sends."""

    def __init__(self):
        super().__init__()
        self._protocol = _Protocol()

    def hub_frame_text(self, event):
        if event.get("drop"):
            return None
        if event.get("needs_task"):
            return hub_module.FRAME_NEEDS_TASK
        if event.get("explode"):
            raise RuntimeError("a broken check")
        return f"text {event['n']}"


def test_an_idle_sockets_frame_is_sent_from_plain_code():
    async def run():
        sock = _TextSock()
        sent = sock._protocol
        tasks_before = len(asyncio.all_tasks())
        sock.hub_event_nowait({"type": "frame", "n": 0})
        sock.hub_event_nowait({"type": "frame", "n": 1, "drop": True})
        sock.hub_event_nowait({"type": "frame", "n": 2})
        assert sent.texts == ["text 0", "text 2"]
        assert sock.seen == []  # the async handler never ran
        assert len(asyncio.all_tasks()) == tasks_before

    asyncio.run(run())


def test_frames_the_fast_way_cannot_send_take_the_handler():
    async def run():
        sock = _TextSock()
        sock.hub_event_nowait({"type": "frame", "n": 0, "needs_task": True})
        sock._protocol.refuse = True  # the server's short path does not apply (deflate, say)
        sock.hub_event_nowait({"type": "frame", "n": 1})
        assert sock.seen == [0, 1]
        assert sock._protocol.texts == []

    asyncio.run(run())


def test_a_busy_socket_keeps_its_order_and_a_failing_check_closes_it():
    async def run():
        sock = _TextSock()
        sock.gate = asyncio.Event()
        sock.hub_event_nowait({"type": "frame", "n": 0, "needs_task": True})  # waits in the handler
        sock.hub_event_nowait({"type": "frame", "n": 1})  # queued behind it, not sent ahead
        assert sock._protocol.texts == []
        assert len(sock._outbox) == 1
        sock.gate.set()
        await asyncio.wait_for(asyncio.shield(sock._drainer), 2)
        assert sock.seen == [0, 1]

        broken = _TextSock()
        broken.hub_event_nowait({"type": "frame", "n": 0, "explode": True})
        await asyncio.sleep(0)
        assert broken._gone
        assert broken.closed_with == hub_module.CLOSE_RECONNECT

    asyncio.run(run())


def test_send_text_nowait_does_what_daphnes_send_would(monkeypatch):
    def protocol(connections, state=FrameOnceProtocol.STATE_OPEN):
        p = FrameOnceProtocol.__new__(FrameOnceProtocol)
        p.server = type("Server", (), {"connections": connections})()
        p.state = state
        p.shared = []
        return p

    monkeypatch.setattr(FrameOnceProtocol, "_send_shared", lambda self, text: self.shared.append(text) or True)
    gone = protocol({})
    assert gone.send_text_nowait("x") is True
    assert gone.shared == []
    live = protocol({})
    live.server.connections[live] = {}
    assert live.send_text_nowait("x") is True
    assert live.shared == ["x"]
    live.server.connections[live] = {"disconnected": 1.0}
    assert live.send_text_nowait("y") is True
    assert live.shared == ["x"]
    closing = protocol({}, FrameOnceProtocol.STATE_CLOSING)
    closing.server.connections[closing] = {}
    assert closing.send_text_nowait("z") is False
    assert closing.shared == []


def test_a_socket_served_here_is_offered_both_extensions(monkeypatch):
    from daphne.server import Server

    from community.realtime import SEND_MANY, TEXT_NOWAIT

    made = []
    monkeypatch.setattr(Server, "create_application", lambda self, protocol, scope: made.append(scope))
    server = FrameOnceServer.__new__(FrameOnceServer)
    protocol = FrameOnceProtocol.__new__(FrameOnceProtocol)
    server.create_application(protocol, {"type": "websocket"})
    server.create_application(object(), {"type": "websocket"})  # not our protocol
    server.create_application(protocol, {"type": "http"})
    assert made[0]["extensions"][TEXT_NOWAIT] is protocol
    assert SEND_MANY in made[0]["extensions"]
    assert "extensions" not in made[1]
    assert "extensions" not in made[2]


def test_the_served_application_keeps_full_collections_rare(tmp_path):
    """alumni.asgi freezes what it imported and makes young collections rarer
    (a full collection at 2,000 sockets pauses everything for ~250 ms)."""
    code = "import gc, alumni.asgi; print(gc.get_threshold(), gc.get_freeze_count())"
    env = server_env(tmp_path / "gc.sqlite3")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    thresholds, frozen = out.stdout.strip().rsplit(" ", 1)
    assert thresholds == "(10000, 20, 20)"
    assert int(frozen) > 50_000
