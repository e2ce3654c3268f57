"""What every scenario shares: servers in subprocesses, a lean WebSocket
client, process figures from /proc, percentiles.

The client is a small asyncio Protocol rather than the `websockets` client:
the load generator shares two cores with the server under test, so every
microsecond it spends per frame is taken from the server. It speaks just
enough RFC 6455 for these benchmarks (text frames, close, ping/pong,
fragments) and never parses JSON on the hot path — a regex picks the
message id and the sequence number out of each frame.
"""

import asyncio
import base64
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVE = ROOT / "community" / "serve.py"
PY = sys.executable
HOST = "127.0.0.1"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

# {"type":"message","message":{"id":12,...,"body":"b7 ..."}: the stored id and
# the sender's sequence number, which the body starts with.
MESSAGE_RX = re.compile(rb'^\{"type":"message","message":\{"id":(\d+),.*?"body":"b(\d+) ', re.S)
# The room's sequence number in a `message` frame, and in `resumed`: read only
# when a member is about to reconnect, never on the hot path.
SEQ_RX = re.compile(rb'"(?:seq|last_seq)":(\d+)')
PAD = "x" * 100


def body(seq: int) -> str:
    return f"b{seq} {PAD}"


def baseline_frame(msg_id: int, seq: int, room: str) -> str:
    """What the baselines broadcast: a frame shaped and sized like the app's
    `message` frame, so every server writes the same bytes per delivery."""
    text = body(seq)
    message = {
        "id": msg_id,
        "room": room,
        "author": {"id": 1, "display_name": "member 00001"},
        "body": text,
        "html": f"<p>{text}</p>",
        "created_at": "2026-01-01T00:00:00.000000+00:00",
        "edited_at": None,
        "client_id": f"00000000-0000-4000-8000-{seq:012d}",
        "reactions": [],
        "reply_to": None,
        "content_note": "",
        "deleted": False,
        "status": "visible",
    }
    return json.dumps({"type": "message", "message": message}, separators=(",", ":"))


def app_send_frame(seq: int) -> str:
    return json.dumps({"type": "message.send", "client_id": str(uuid.uuid4()), "body": body(seq)})


def base(kind: str) -> str:
    """ "app@CHANNEL_LAYER=core" -> "app"."""
    return kind.split("@", 1)[0]


def raise_nofile() -> None:
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def pct(values, q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


# --- processes ---------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * PAGE_SIZE


@dataclass
class Server:
    kind: str
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid


@dataclass
class Servers:
    """One or more processes of one kind; stop() ends exactly those."""

    kind: str
    items: list[Server] = field(default_factory=list)

    @property
    def ports(self) -> list[int]:
        return [s.port for s in self.items]

    def cpu(self) -> float:
        return sum(cpu_seconds(s.pid) for s in self.items)

    def rss(self) -> int:
        return sum(rss_bytes(s.pid) for s in self.items)

    def stop(self) -> None:
        for s in self.items:
            if s.process.poll() is None:
                s.process.send_signal(signal.SIGTERM)
        for s in self.items:
            try:
                s.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                s.process.kill()
                s.process.wait(timeout=10)


def _wait_ready(server: Server, http: bool, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            if http:
                with urllib.request.urlopen(f"http://{HOST}:{server.port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            else:
                with socket.create_connection((HOST, server.port), timeout=1):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    tail = server.log.read_text(errors="replace")[-3000:] if server.log.exists() else ""
    server.process.kill()
    raise RuntimeError(f"{server.kind} on port {server.port} did not start:\n{tail}")


def start(kind: str, env: dict, workdir: Path, count: int = 1) -> Servers:
    """kind: "app" (the real alumni.asgi, served by community.serve as in
    production), "plain" (plain Channels room, plain Daphne), "raw"
    (websockets broadcast), or "proto:<module>" (a prototype asgi module
    under bench/prototypes); "<kind>@NAME=value" runs it with one
    environment variable changed (a settings lever, e.g.
    app@CHANNEL_LAYER=core or app@BENCH_SQLITE_SYNCHRONOUS=FULL)."""
    servers = Servers(kind)
    env = {**env, "SCHEDULER_HEALTH_CHECK": "0"}  # no scheduler beside benchmark servers
    if "@" in kind:
        kind, override = kind.split("@", 1)
        name, _, value = override.partition("=")
        env = {**env, name: value}
    for i in range(count):
        port = free_port()
        if kind == "raw":
            cmd = [PY, str(ROOT / "bench" / "baselines" / "raw_ws.py"), "--port", str(port)]
        else:
            module = {
                "app": "alumni.asgi:application",
                "plain": "bench.baselines.plain_asgi:application",
            }.get(kind) or f"bench.prototypes.{kind.split(':', 1)[1]}:application"
            # The app (and its prototypes) run as in production: community.serve
            # is Daphne's command line with the app's frame writing and access
            # log. The plain Channels room is served by Daphne as it comes.
            server = "daphne" if kind == "plain" or not SERVE.exists() else "community.serve"
            cmd = [PY, "-m", server, "-b", HOST, "-p", str(port), module]
        log = workdir / f"{kind.replace(':', '_')}-{i}-{port}.log"
        # Benchmark clients open sockets as pages of this server would.
        server_env = {**env, "SITE_ORIGINS": f"http://{HOST}:{port}"}
        with open(log, "w") as out:
            process = subprocess.Popen(cmd, cwd=ROOT, env=server_env, stdout=out, stderr=subprocess.STDOUT)
        servers.items.append(Server(kind, port, process, log))
    try:
        for s in servers.items:
            _wait_ready(s, http=kind != "raw" and kind != "plain")
    except Exception:
        servers.stop()
        raise
    return servers


# --- the WebSocket client ------------------------------------------------------


def _mask(data: bytes, key: bytes) -> bytes:
    n = len(data)
    if not n:
        return data
    k = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^ int.from_bytes(k, "big")).to_bytes(n, "big")


def _frame(opcode: int, payload: bytes) -> bytes:
    key = secrets.token_bytes(4)
    n = len(payload)
    if n < 126:
        head = bytes([0x80 | opcode, 0x80 | n])
    elif n < 65536:
        head = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x80 | opcode, 0x80 | 127]) + n.to_bytes(8, "big")
    return head + key + _mask(payload, key)


class WS(asyncio.Protocol):
    """One client socket. `on_text(ws, payload_bytes)` sees every text frame."""

    def __init__(self, request: bytes, on_text, tag=None):
        self.request = request
        self.on_text = on_text
        self.tag = tag
        self.transport = None
        self.buf = bytearray()
        self.handshake_done = False
        self.opened = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.fragments: list[bytes] = []
        self.close_code: int | None = None
        self.frames = 0
        self.last_frame_at = 0.0

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc):
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"closed during handshake ({exc})"))
        if not self.closed.done():
            self.closed.set_result(self.close_code)

    def data_received(self, data):
        buf = self.buf
        buf += data
        if not self.handshake_done:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buf[:end]).split(b"\r\n", 1)[0]
            del buf[: end + 4]
            if b" 101 " not in status + b" ":
                if not self.opened.done():
                    self.opened.set_exception(ConnectionError(status.decode("latin-1")))
                self.transport.close()
                return
            self.handshake_done = True
            if not self.opened.done():  # a handshake that timed out was cancelled
                self.opened.set_result(True)
        pos, size = 0, len(buf)
        while size - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            n, head = b1 & 0x7F, 2
            if n == 126:
                if size - pos < 4:
                    break
                n, head = int.from_bytes(buf[pos + 2 : pos + 4], "big"), 4
            elif n == 127:
                if size - pos < 10:
                    break
                n, head = int.from_bytes(buf[pos + 2 : pos + 10], "big"), 10
            if size - pos < head + n:
                break
            payload = bytes(buf[pos + head : pos + head + n])
            pos += head + n
            opcode = b0 & 0x0F
            if opcode in (0, 1):
                if not b0 & 0x80:
                    self.fragments.append(payload)
                    continue
                if self.fragments:
                    payload = b"".join([*self.fragments, payload])
                    self.fragments = []
                self.frames += 1
                self.last_frame_at = time.monotonic()
                self.on_text(self, payload)
            elif opcode == 8:
                self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                self.transport.close()
            elif opcode == 9:
                self.transport.write(_frame(0xA, payload))
        if pos:
            del buf[:pos]

    def send_text(self, text: str) -> None:
        self.transport.write(_frame(1, text.encode()))

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(_frame(8, (1000).to_bytes(2, "big")))
            self.transport.close()


async def ws_connect(port: int, path: str, *, cookie: str | None = None, on_text=None, tag=None, timeout=30.0) -> WS:
    key = base64.b64encode(secrets.token_bytes(16)).decode()
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {HOST}:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        f"Origin: http://{HOST}:{port}",
    ]
    if cookie:
        lines.append(f"Cookie: sessionid={cookie}")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    loop = asyncio.get_running_loop()
    _, ws = await asyncio.wait_for(
        loop.create_connection(lambda: WS(request, on_text or (lambda ws, p: None), tag), HOST, port), timeout
    )
    await asyncio.wait_for(ws.opened, timeout)
    return ws


async def connect_many(specs, *, concurrency: int = 50, deadline: float, attempts: int = 3):
    """specs: (port, path, cookie, on_text, tag) tuples. Connects them with at
    most `concurrency` handshakes in flight, until `deadline` (monotonic). A
    refused or reset handshake is retried, like a browser would, up to
    `attempts` times in all. Returns (sockets, errors, retries)."""
    sockets: list[WS | None] = [None] * len(specs)
    errors: list[str] = []
    queue = [(i, spec, 1) for i, spec in enumerate(specs)]
    queue.reverse()
    retried = 0

    async def worker():
        nonlocal retried
        while queue and time.monotonic() < deadline:
            i, (port, path, cookie, on_text, tag), attempt = queue.pop()
            try:
                sockets[i] = await ws_connect(
                    port, path, cookie=cookie, on_text=on_text, tag=tag, timeout=max(1.0, deadline - time.monotonic())
                )
            except (TimeoutError, OSError, ConnectionError) as exc:
                if attempt < attempts and time.monotonic() < deadline:
                    retried += 1
                    queue.insert(0, (i, specs[i], attempt + 1))
                else:
                    errors.append(f"{type(exc).__name__}: {exc}")

    await asyncio.gather(*(worker() for _ in range(min(concurrency, len(specs)))))
    if retried:
        errors.append(f"({retried} handshakes retried)")
    return [s for s in sockets if s is not None], errors


async def wait_quiet(sockets, *, quiet: float = 0.5, limit: float = 60.0) -> float:
    """Wait until no socket has received a frame for `quiet` seconds (the
    presence frames of a connection storm have drained). Returns the wait."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        await asyncio.sleep(quiet / 2)
        last = max((s.last_frame_at for s in sockets), default=0.0)
        if time.monotonic() - last >= quiet:
            break
    return time.monotonic() - start


def close_all(sockets) -> None:
    for s in sockets:
        s.abort()
