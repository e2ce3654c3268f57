"""Real processes for the integration tests: a throwaway PostgreSQL database,
Daphne servers, a private redis-server, and a WebSocket client that records
every frame and resumes with ?after= like the browser does.

Every wait is bounded; every process started here is stopped by its owner.
"""

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg
from psycopg import sql
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

ROOT = Path(__file__).resolve().parents[2]
# Redis database for these tests: test runs elsewhere on the machine flush
# the default test database (cache.clear()), which would wipe presence here.
REDIS_DB = 13


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_redis_db(url: str, db: int = REDIS_DB) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{db}"))


# --- PostgreSQL ---------------------------------------------------------------


def _maintenance(url: str) -> str:
    return urlunparse(urlparse(url)._replace(path="/postgres"))


def create_database(server_url: str) -> str:
    """A new empty database on the server of `server_url`; returns its URL."""
    name = f"alumni_it_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_maintenance(server_url), autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlunparse(urlparse(server_url)._replace(path=f"/{name}"))


def drop_database(db_url: str) -> None:
    name = urlparse(db_url).path.lstrip("/")
    assert name.startswith("alumni_it_"), name  # never anything else
    with psycopg.connect(_maintenance(db_url), autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def query(db_url: str, statement: str, params=()) -> list[tuple]:
    with psycopg.connect(db_url, connect_timeout=5) as conn:
        return conn.execute(statement, params).fetchall()


def base_env(db_url: str, redis_url: str, prefix: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"TEST_DATABASE_URL", "DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DATABASE_URL=db_url,
        REDIS_URL=redis_url,
        CHANNEL_PREFIX=f"it-{prefix}",
        CACHE_PREFIX=f"it-{prefix}",
        DEBUG="0",
        SECRET_KEY="integration-" + "s3cret!" * 8,
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        REQUIRE_MFA_FOR_STAFF="0",
        SCHEDULER_HEALTH_CHECK="0",  # no scheduler beside these servers
        TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
        # The tests send faster than a person; the limiter is tested elsewhere.
        RATE_LIMIT_BURST="1000",
        RATE_LIMIT_PER_MINUTE="100000",
        DATABASE_POOL_MIN="1",
        DATABASE_POOL_MAX="8",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env: dict, *args: str, timeout: float = 120) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def seed(env: dict, spec: dict) -> dict:
    result = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("seed.py")), json.dumps(spec)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("SEED="))
    return json.loads(line.removeprefix("SEED="))


# --- processes ------------------------------------------------------------------


def http_get(url: str, timeout: float = 5) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_until(predicate, *, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class Process:
    """A child process with its output in a log file, stopped on exit."""

    def __init__(self, name: str, args: list[str], env: dict, log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no cleanup, like a crashed or OOM-killed process."""
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")


class Daphne(Process):
    def __init__(self, name: str, env: dict, log_dir: Path):
        self.port = free_port()
        # Clients open sockets as pages served by this very process would.
        env = {**env, "SITE_ORIGINS": f"http://127.0.0.1:{self.port}"}
        super().__init__(
            name,
            [
                sys.executable,
                "-m",
                "community.serve",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "alumni.asgi:application",
            ],
            env,
            log_dir,
        )
        self.base = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 30) -> None:
        def ready():
            assert self.alive(), f"{self.name} exited:\n{self.log()}"
            try:
                return http_get(self.base + "/healthz", timeout=2)[0] == 200
            except OSError:
                return False

        wait_until(ready, timeout=timeout, what=f"{self.name} /healthz")

    def ws_url(self, slug: str, after_seq: int | None = None, changes: int = 0) -> str:
        url = f"ws://127.0.0.1:{self.port}/ws/rooms/{slug}/"
        return url if after_seq is None else f"{url}?after_seq={after_seq}&changes={changes}"


class RedisServer(Process):
    """A private redis-server on a spare port that a test may stop and restart."""

    def __init__(self, log_dir: Path, port: int | None = None):
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._log_dir = log_dir
        super().__init__(
            f"redis-{self.port}",
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            dict(os.environ),
            log_dir,
        )
        wait_until(self._answers, timeout=10, what="redis-server")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def restart(self) -> None:
        self.stop()
        self._log = open(self.log_path, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        wait_until(self._answers, timeout=10, what="redis-server restart")


# --- the WebSocket client -------------------------------------------------------


@dataclass
class Member:
    """One person's chat client, as static/js/chat.js behaves: keeps the highest
    contiguous seq and change number it holds, fills a gap at once with a
    `resume` frame (a later seq, or a pong saying the room has more), resumes
    with ?after_seq=&changes= on any server it is given, and re-sends
    unacknowledged messages with their original client_id."""

    name: str
    cookie: str
    room: str
    messages: list[dict] = field(default_factory=list)  # every `message` frame, in arrival order
    frames: list[dict] = field(default_factory=list)  # every frame
    pending: dict[str, str] = field(default_factory=dict)  # client_id -> body, sent but not acknowledged
    sent: dict[str, str] = field(default_factory=dict)  # every client_id ever sent
    connections: int = 0
    last_seq: int = 0
    last_change: int = 0
    removed: set[int] = field(default_factory=set)  # ids shown as removed
    bodies: dict[int, str] = field(default_factory=dict)  # id -> the text shown now
    filling: bool = False
    ws: object = None
    server: Daphne | None = None
    _reader: asyncio.Task | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def last_id(self) -> int:
        return max((m["id"] for m in self.messages), default=0)

    async def connect(self, server: Daphne, *, resume: bool = True, timeout: float = 10) -> None:
        after = self.last_seq if resume and self.connections else None
        headers = {"Origin": f"http://127.0.0.1:{server.port}", "Cookie": self.cookie}
        url = server.ws_url(self.room, after, self.last_change)
        self.ws = await asyncio.wait_for(connect(url, additional_headers=headers, open_timeout=timeout), timeout)
        self.filling = after is not None
        self.server = server
        self.connections += 1
        self._reader = asyncio.create_task(self._read(self.ws))

    async def connect_retrying(self, servers: list[Daphne], *, timeout: float = 30) -> None:
        """Try each server in turn until one accepts, like a client behind a load balancer."""
        deadline = time.monotonic() + timeout
        while True:
            for server in servers:
                if not server.alive():
                    continue
                try:
                    await self.connect(server, timeout=5)
                    await self.resend_pending()
                    return
                except (TimeoutError, OSError, InvalidHandshake, InvalidStatus, ConnectionClosed):
                    pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} could not reconnect within {timeout}s")
            await asyncio.sleep(0.3)

    async def _read(self, ws) -> None:
        try:
            async for raw in ws:
                frame = json.loads(raw)
                self.frames.append(frame)
                await self._apply(ws, frame)
                self._changed.set()
        except ConnectionClosed:
            pass
        finally:
            self._changed.set()

    async def _apply(self, ws, frame: dict) -> None:
        kind = frame.get("type")
        if kind == "message":
            message = frame["message"]
            # A gap fill may repeat a message held already (the browser keys
            # them by id too): it updates, it is not a second copy.
            if message["id"] not in self.bodies and message["id"] not in self.removed:
                self.messages.append(message)
            self.pending.pop(message.get("client_id") or "", None)
            if message.get("deleted"):
                self.removed.add(message["id"])
            else:
                self.bodies[message["id"]] = message["body"]
            seq = message.get("seq")
            if seq == self.last_seq + 1:
                self.last_seq = seq
            elif seq is not None and seq > self.last_seq:
                await self._fill(ws)
        elif kind == "message.updated":
            self.bodies[frame["message"]["id"]] = frame["message"]["body"]
            self._seen_change(frame["message"].get("changed"))
        elif kind == "message.deleted":
            self.removed.add(frame["id"])
            self._seen_change(frame.get("change"))
        elif kind in ("reaction", "room.updated"):
            self._seen_change(frame.get("change"))
        elif kind == "resumed" and "last_seq" in frame:
            self.last_seq = max(self.last_seq, frame["last_seq"])
            self.last_change = max(self.last_change, frame["last_change"])
            self.filling = False
        elif kind == "pong" and (
            frame.get("last_seq", 0) > self.last_seq or frame.get("last_change", 0) > self.last_change
        ):
            await self._fill(ws)

    def _seen_change(self, change) -> None:
        if change == self.last_change + 1:
            self.last_change = change

    async def _fill(self, ws) -> None:
        if self.filling:
            return
        self.filling = True
        with contextlib.suppress(ConnectionClosed):
            await ws.send(json.dumps({"type": "resume", "after_seq": self.last_seq, "changes": self.last_change}))

    @property
    def open(self) -> bool:
        return self._reader is not None and not self._reader.done()

    async def send(self, body: str, client_id: str | None = None) -> str:
        client_id = client_id or str(uuid.uuid4())
        self.pending[client_id] = body
        self.sent[client_id] = body
        await self.ws.send(json.dumps({"type": "message.send", "client_id": client_id, "body": body}))
        return client_id

    async def resend_pending(self) -> None:
        """Re-send what the server never acknowledged, after the backlog.

        The backlog acknowledges whatever was stored before the connection
        broke (its client_id comes back). The server sends the backlog before
        it reads any frame, so the answer to a ping marks its end; re-sending
        only then means a duplicate `message` frame is a server fault, not a
        reply to our own re-send. (The browser re-sends at once and drops
        duplicates by id; both are correct clients.)"""
        if not self.pending:
            return
        pongs = sum(1 for f in self.frames if f["type"] == "pong")
        await self.ws.send(json.dumps({"type": "ping"}))
        await self.wait_for(
            lambda m: sum(1 for f in m.frames if f["type"] == "pong") > pongs or not m.open,
            timeout=10,
            what="the end of the resume backlog",
        )
        if not self.open:
            raise ConnectionClosed(None, None)
        for client_id, body in list(self.pending.items()):
            await self.ws.send(json.dumps({"type": "message.send", "client_id": client_id, "body": body}))

    async def frame(self, **match) -> None:
        await self.ws.send(json.dumps(match))

    async def wait_for(self, predicate, *, timeout: float = 10, what: str = "frames"):
        deadline = time.monotonic() + timeout
        while True:
            value = predicate(self)
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{self.name}: timed out after {timeout}s waiting for {what}")
            self._changed.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.5))

    async def wait_closed(self, timeout: float = 10) -> None:
        await asyncio.wait_for(asyncio.shield(self._reader), timeout)

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 5)
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader
