"""Scenario 7 — community day: members online across 100 rooms with a mixed
load, as on a busy day of the community.

Rooms (bench/layout.py): the fan-out room is the big room and holds half of
the members online, up to 1,000; the other half spreads over 99 small rooms
in proportion to their sizes — a long tail of 5 to 50 online at 2,000 members
(1,000 in the big room, 1,000 in the small ones). Every member online has one
room page open: one socket, with its session cookie, on its room.

The traffic comes from a schedule fixed by a seeded random generator, the
same for every server:

- sends: one message per member per 10 minutes (N/600 a second over all
  rooms), from members chosen at random, plus a burst in the big room every
  20 seconds (10 messages in 2 seconds from 4 members talking);
- typing: half of the sends are preceded by a `typing` frame 1.5 s before;
- read markers: half of the members have their room page in front; those
  send `read` with the newest message id they hold, at most one every 3
  seconds, as the page does;
- presence churn: N/1,000 members a second (at least one) drop, as on a
  network blip, and come back 1–3 seconds later with
  `?after_seq=<the highest seq they hold>&changes=0`;
- page loads, N/1,000 a second (at least one), in turn the member's room
  page, the room directory and the calendar month, by members online, in
  threads beside the sockets; their latency is recorded.

Measured: p50/p99 send → delivery to *every* member of the room online when
the message was sent (a member who drops before receiving it is no longer
waited for; what it missed must come with its resume), page p50/p99, server
CPU (cores), error frames, messages not delivered to every member within the
drain, and resume gaps (a message sent while a member was away that its
reconnect did not bring).

Capacity: on one process the members online grow in steps (500, 1,000,
2,000, 3,000, 4,000; each step connects only the new members), each measured
for STEP_S seconds; the figure is the largest step whose p99 send → delivery
stays ≤ 150 ms with nothing undelivered. The 2,000 step is the community day
itself and runs MAIN_S seconds. Steps above it run only while the p99 holds.
--quick runs the 2,000 step alone, for 6 seconds.

The plain Channels room (bench/baselines/plain_room.py) runs the same socket
mix as the baseline, on one process: the same steps, sends, typing frames
and churn (it has no resume, no read markers and no pages: its p99 is for
sends and deliveries alone). With PostgreSQL + Redis, kept short: the app
alone, 4,000 members over the two processes (the sockets of every room
alternate between them) — those that connect within 25 seconds, if at least
half — for one 8-second measurement.
"""

import asyncio
import contextlib
import http.client
import json
import os
import random
import time
from concurrent.futures import ThreadPoolExecutor

from bench import harness as H
from bench import layout as L

GOAL_P99_MS = 150.0
MAIN_N = 2_000
PG_N = 4_000
SEND_EVERY_S = 600.0
BURST_EVERY_S = 20.0
BURST_MESSAGES = 10
BURST_SPAN_S = 2.0
BURST_TALKERS = 4
TYPING_SHARE = 0.5
TYPING_LEAD_S = 1.5
VISIBLE_SHARE = 0.5
READ_EVERY_S = 3.0
CHURN_PER_MEMBER_S = 1 / 1000
CHURN_AWAY_S = (1.0, 3.0)
PAGES_PER_MEMBER_S = 1 / 1000
PAGE_KINDS = ["room page", "room directory", "calendar month"]
# For experiments, BENCH_DAY="reads=0,churn=0,pages=0,typing=0,bursts=0"
# in the environment of bench/run.py leaves parts of the mix out (a number
# other than 0 scales that part: sends=2 doubles them); the results record it.
MIX = {"reads": 1.0, "churn": 1.0, "pages": 1.0, "typing": 1.0, "bursts": 1.0, "sends": 1.0}
for _item in filter(None, os.environ.get("BENCH_DAY", "").split(",")):
    _name, _, _value = _item.partition("=")
    if _name.strip() not in MIX:
        raise SystemExit(f"BENCH_DAY: unknown part {_name!r} (one of {', '.join(MIX)})")
    MIX[_name.strip()] = float(_value)
STEP_S = 6.0  # a capacity step
MAIN_S = 12.0  # the community day (2,000 online on one process)
DRAIN_S = 4.0  # the main step; a capacity step drains for STEP_DRAIN_S
STEP_DRAIN_S = 2.0


# --- who is online ---------------------------------------------------------------


def online_layout(n: int) -> dict[str, list[int]]:
    """Members online per room for n online: half (up to 1,000) in the big
    room, the rest over the small rooms in proportion to their sizes."""
    big = min(L.FANOUT_MAX, n // 2)
    rest = min(n - big, L.DAY_FILL * sum(L.DAY_SIZES))
    total = sum(L.DAY_SIZES)
    shares = [rest * s / total for s in L.DAY_SIZES]
    counts = [int(x) for x in shares]
    order = sorted(range(L.DAY_ROOMS), key=lambda j: counts[j] - shares[j])
    for j in order[: rest - sum(counts)]:
        counts[j] += 1
    rooms = {L.DAY_BIG: list(range(big))}
    for j in range(L.DAY_ROOMS):
        rooms[L.day_slug(j)] = L.day_members(j)[: min(counts[j], L.DAY_FILL * L.DAY_SIZES[j])]
    return rooms


# --- state -------------------------------------------------------------------------


class Conn:
    """One socket of one member: what it received, for the tracker."""

    __slots__ = ("got", "last_id", "last_payload", "member", "opened_at", "read_at", "read_id", "seq_floor", "ws")

    def __init__(self, member, seq_floor: int = 0):
        self.member = member
        self.ws = None
        self.opened_at = float("inf")  # counted for messages sent after it joined
        self.got: set[int] = set()
        self.last_id = 0
        self.last_payload = b""
        self.seq_floor = seq_floor
        self.read_id = 0
        self.read_at = 0.0


class Member:
    __slots__ = ("away", "conn", "port", "room", "u", "visible")

    def __init__(self, u: int, room, port: int, visible: bool):
        self.u, self.room, self.port, self.visible = u, room, port, visible
        self.conn: Conn | None = None
        self.away = False


class Room:
    __slots__ = ("last_seq", "members", "open", "path", "pending", "slug")

    def __init__(self, slug: str):
        self.slug = slug
        self.path = f"/ws/rooms/{slug}/"
        self.members: list[Member] = []
        self.open: set[Conn] = set()
        self.pending: set[int] = set()
        self.last_seq = 0


class Msg:
    __slots__ = ("done_at", "expect", "got", "last_at", "room", "sent_at", "step")

    def __init__(self, room: Room, sent_at: float, expect: int, step: int):
        self.room, self.sent_at, self.expect, self.step = room, sent_at, expect, step
        self.got = 0
        self.last_at = 0.0
        self.done_at: float | None = None


class Day:
    def __init__(self, kind: str, servers: H.Servers, sessions: list[str], rng_seed: int = 2026):
        self.kind = kind
        self.app = H.base(kind) not in ("raw", "plain")
        self.servers = servers
        self.ports = servers.ports
        self.sessions = sessions
        self.rng = random.Random(rng_seed)
        self.rooms: dict[str, Room] = {}
        self.members: dict[int, Member] = {}
        self.msgs: dict[int, Msg] = {}
        self.seq = 0
        self.step = 0
        self.duplicates = 0
        self.frames = 0
        self.bytes = 0
        self.presence_frames = 0
        self.error_frames = 0
        self.first_error = b""
        self.reconnects: list[tuple[Conn, Conn]] = []
        self.reconnect_errors: list[str] = []
        self.counts = {"typing": 0, "reads": 0, "churned": 0, "skipped_sends": 0, "retries": 0}

    # -- the hot path: no JSON, one regex ----------------------------------------

    def on_text(self, ws, payload: bytes) -> None:
        m = H.MESSAGE_RX.match(payload)
        conn = ws.tag
        self.frames += 1
        self.bytes += len(payload)
        if m is None:
            if payload.startswith(b'{"type":"presence"'):
                self.presence_frames += 1
            elif payload.startswith(b'{"type":"error"'):
                self.error_frames += 1
                if not self.first_error:
                    self.first_error = payload[:300]
            elif payload.startswith(b'{"type":"resumed"'):
                s = H.SEQ_RX.search(payload)
                if s:
                    conn.seq_floor = max(conn.seq_floor, int(s.group(1)))
            return
        seq = int(m.group(2))
        conn.last_id = int(m.group(1))
        conn.last_payload = payload
        msg = self.msgs.get(seq)
        if msg is None:
            return
        if seq in conn.got:
            self.duplicates += 1
            return
        conn.got.add(seq)
        if msg.sent_at < conn.opened_at:
            return  # resumed, or live before this socket counted: not in `expect`
        now = time.monotonic()
        msg.got += 1
        msg.last_at = now
        if msg.got >= msg.expect and msg.done_at is None:
            msg.done_at = now
            msg.room.pending.discard(seq)

    # -- members --------------------------------------------------------------------

    def member(self, u: int, slug: str) -> Member:
        member = self.members.get(u)
        if member is None:
            room = self.rooms.setdefault(slug, Room(slug))
            port = self.ports[len(room.members) % len(self.ports)]
            member = Member(u, room, port, self.rng.random() < VISIBLE_SHARE)
            room.members.append(member)
            self.members[u] = member
        return member

    def cookie(self, member: Member) -> str | None:
        return None if H.base(self.kind) == "raw" else self.sessions[member.u]

    def joined(self, conn: Conn, ws) -> None:
        conn.ws = ws
        conn.opened_at = time.monotonic()
        conn.member.conn = conn
        conn.member.room.open.add(conn)

    async def grow(self, n: int, limit: float | None = None) -> tuple[int, list[str]]:
        """Connect the members of the n-online layout not yet connected
        (50 handshakes in flight; within `limit` s, by default 20 s or 20 ms
        a socket if longer)."""
        specs = []
        for slug, us in online_layout(n).items():
            for u in us:
                member = self.member(u, slug)
                if member.conn is None and not member.away:
                    conn = Conn(member, member.room.last_seq)
                    specs.append((member.port, member.room.path, self.cookie(member), self.on_text, conn))
        limit = limit or max(20.0, len(specs) / 50)
        sockets, errors = await H.connect_many(specs, concurrency=50, deadline=time.monotonic() + limit)
        for ws in sockets:
            self.joined(ws.tag, ws)
        return len(sockets), errors

    def online(self) -> list[Member]:
        return [m for m in self.members.values() if m.conn is not None]

    def drop(self, conn: Conn) -> None:
        """The member's socket is gone: stop waiting for it."""
        room = conn.member.room
        room.open.discard(conn)
        conn.member.conn = None
        for seq in list(room.pending):
            msg = self.msgs[seq]
            if msg.sent_at >= conn.opened_at and seq not in conn.got:
                msg.expect -= 1
                if msg.got >= msg.expect and msg.done_at is None:
                    msg.done_at = msg.last_at if msg.got else msg.sent_at
                    room.pending.discard(seq)

    async def churn(self, member: Member, away: float) -> None:
        conn = member.conn
        if conn is None or member.away:
            return
        member.away = True
        self.counts["churned"] += 1
        last = H.SEQ_RX.search(conn.last_payload) if conn.last_payload else None
        after_seq = max(conn.seq_floor, int(last.group(1)) if last else 0)
        self.drop(conn)
        conn.ws.abort()
        await asyncio.sleep(away)
        path = member.room.path + (f"?after_seq={after_seq}&changes=0" if self.app else "")
        new = Conn(member, after_seq)
        try:
            for attempt in range(3):  # a refused handshake is retried, as a page does
                try:
                    ws = await H.ws_connect(
                        member.port, path, cookie=self.cookie(member), on_text=self.on_text, tag=new, timeout=10
                    )
                except (TimeoutError, OSError, ConnectionError) as exc:
                    self.counts["retries"] += 1
                    if attempt == 2:
                        self.reconnect_errors.append(f"{type(exc).__name__}: {exc}")
                        return
                    await asyncio.sleep(0.5 * (attempt + 1))
                else:
                    self.joined(new, ws)
                    self.reconnects.append((conn, new))
                    return
        finally:
            member.away = False

    # -- sending ----------------------------------------------------------------------

    def send(self, member: Member) -> None:
        conn = member.conn
        if conn is None:
            self.counts["skipped_sends"] += 1
            return
        self.seq += 1
        seq = self.seq
        room = member.room
        frame = H.app_send_frame(seq) if self.app else H.baseline_frame(seq, seq, room.slug)
        self.msgs[seq] = Msg(room, time.monotonic(), len(room.open), self.step)
        room.pending.add(seq)
        conn.ws.send_text(frame)

    def typing(self, member: Member) -> None:
        if member.conn is not None:
            self.counts["typing"] += 1
            member.conn.ws.send_text('{"type":"typing"}')

    async def reader(self, until: float) -> None:
        """Pages in front send `read` with the newest id they hold, at most
        one every READ_EVERY_S seconds."""
        while time.monotonic() < until:
            await asyncio.sleep(0.5)
            now = time.monotonic()
            for member in self.members.values():
                conn = member.conn
                if (
                    conn is not None
                    and member.visible
                    and conn.last_id > conn.read_id
                    and now - conn.read_at >= READ_EVERY_S
                ):
                    conn.read_id, conn.read_at = conn.last_id, now
                    conn.ws.send_text(f'{{"type":"read","id":{conn.last_id}}}')
                    self.counts["reads"] += 1

    def gaps(self, seqs: list[int], first_reconnect: int) -> int:
        """Resume: what was sent to the room while a member was away must
        come with its reconnect (or have come before it dropped). Counts the
        messages someone received that a member who came back does not hold."""
        if not self.app:
            return 0
        missing = 0
        for old, new in self.reconnects[first_reconnect:]:
            room = old.member.room
            for s in seqs:
                msg = self.msgs[s]
                if (
                    msg.room is room
                    and old.opened_at <= msg.sent_at < new.opened_at
                    and msg.got
                    and s not in old.got
                    and s not in new.got
                ):
                    missing += 1
        return missing

    async def warm_up(self, limit: float = 10.0) -> None:
        """A message in a few rooms and each page once, not measured: the
        first message and the first page of a fresh server pay one-time costs
        (the crisis detector's model, templates, the database connection)
        that a server up for a day has long paid."""
        online = sorted(self.online(), key=lambda m: m.u)
        seqs = []
        for member in [m for m in online if m.room.slug == L.DAY_BIG][:2] + [
            m for m in online if m.room.slug != L.DAY_BIG
        ][:3]:
            self.send(member)
            seqs.append(self.seq)
        if self.app and online:
            member = online[0]
            loop = asyncio.get_running_loop()
            paths = [f"/rooms/{member.room.slug}/", *PAGE_PATHS.values()]
            with ThreadPoolExecutor(max_workers=1) as pool:
                for path in paths:
                    with contextlib.suppress(Exception):
                        await loop.run_in_executor(pool, fetch, member.port, path, self.sessions[member.u])
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline and any(self.msgs[s].done_at is None for s in seqs):
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)

    # -- one step ----------------------------------------------------------------------

    def schedule(self, seconds: float) -> list[tuple]:
        """(t, what, member) events for one step, from the seeded generator."""
        rng = self.rng
        online = sorted(self.online(), key=lambda m: m.u)
        big = [m for m in online if m.room.slug == L.DAY_BIG]
        n = len(online)
        events: list[tuple] = []

        def send_at(t: float, member: Member) -> None:
            events.append((t, "send", member))
            if rng.random() < TYPING_SHARE * MIX["typing"] and t >= TYPING_LEAD_S:
                events.append((t - TYPING_LEAD_S, "typing", member))

        t = 0.0
        rate = n / SEND_EVERY_S * MIX["sends"]
        while rate > 0:
            t += rng.expovariate(rate)
            if t >= seconds:
                break
            send_at(t, rng.choice(online))
        if big and MIX["bursts"]:
            b = 2.0
            while b < seconds:
                talkers = rng.sample(big, min(BURST_TALKERS, len(big)))
                for k in range(BURST_MESSAGES):
                    send_at(b + k * BURST_SPAN_S / BURST_MESSAGES, talkers[k % len(talkers)])
                b += BURST_EVERY_S
        churn = max(1, round(n * CHURN_PER_MEMBER_S * MIX["churn"])) if MIX["churn"] else 0
        for second in range(int(seconds)):
            for member in rng.sample(online, min(churn, n)):
                events.append((second + rng.random(), "churn", member, rng.uniform(*CHURN_AWAY_S)))
        pages = max(1, round(n * PAGES_PER_MEMBER_S * MIX["pages"]))
        count = int(seconds * pages) if MIX["pages"] else 0
        for k in range(count):
            events.append((k / pages + rng.random() / pages, "page", rng.choice(online), PAGE_KINDS[k % 3]))
        events.sort(key=lambda e: e[0])
        return events

    async def measure(self, seconds: float, pages: bool, drain: float = DRAIN_S) -> dict:
        self.step += 1
        step = self.step
        loop = asyncio.get_running_loop()
        page_times: dict[str, list[float]] = {k: [] for k in PAGE_KINDS}
        page_errors: list[str] = []
        pool = ThreadPoolExecutor(max_workers=4)
        counts0 = dict(self.counts)
        errors0, reconnects0 = self.error_frames, len(self.reconnects)
        failed0 = len(self.reconnect_errors)
        frames0, bytes0, presence0 = self.frames, self.bytes, self.presence_frames
        events = self.schedule(seconds)
        online_at_start = len(self.online())
        churns: list[asyncio.Task] = []
        fetches = []
        start = time.monotonic()
        cpu0, ccpu0 = self.servers.cpu(), time.process_time()
        reader = asyncio.create_task(self.reader(start + seconds)) if self.app and MIX["reads"] else None
        for event in events:
            delay = start + event[0] - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            what, member = event[1], event[2]
            if what == "send":
                self.send(member)
            elif what == "typing":
                self.typing(member)
            elif what == "churn":
                churns.append(asyncio.create_task(self.churn(member, event[3])))
            elif what == "page" and pages:
                path = f"/rooms/{member.room.slug}/" if event[3] == "room page" else PAGE_PATHS[event[3]]
                cookie = self.sessions[member.u]
                fut = loop.run_in_executor(pool, fetch, member.port, path, cookie)
                fetches.append((event[3], fut))
        await asyncio.sleep(max(0.0, start + seconds - time.monotonic()))
        end = time.monotonic()
        cpu, ccpu = self.servers.cpu() - cpu0, time.process_time() - ccpu0
        if reader is not None:
            await reader
        if churns:
            await asyncio.gather(*churns)
        frames, nbytes = self.frames - frames0, self.bytes - bytes0
        presence = self.presence_frames - presence0
        mine = [s for s, m in self.msgs.items() if m.step == step]
        # Drain: until every message reached every member that stayed, and
        # every member that came back holds what it missed (or `drain` s).
        deadline = time.monotonic() + drain
        while time.monotonic() < deadline and (
            any(self.msgs[s].done_at is None for s in mine) or self.gaps(mine, reconnects0)
        ):
            await asyncio.sleep(0.1)
        for kind, fut in fetches:
            try:
                status, took = await fut
            except Exception as exc:  # a failed page load is a figure too
                page_errors.append(f"{kind}: {type(exc).__name__}")
                continue
            if status == 200:
                page_times[kind].append(took)
            else:
                page_errors.append(f"{kind}: HTTP {status}")
        pool.shutdown(wait=True)

        done = [self.msgs[s] for s in mine if self.msgs[s].done_at is not None and self.msgs[s].got]
        lat = [m.done_at - m.sent_at for m in done]
        undelivered = sum(1 for s in mine if self.msgs[s].done_at is None)
        gaps = self.gaps(mine, reconnects0)
        all_pages = [t for v in page_times.values() for t in v]
        span = max(end - start, 1e-9)
        online = self.online()
        closed = sum(1 for m in online if m.conn.ws.closed.done())
        rooms = {m.room.slug for m in online}
        big = sum(1 for m in online if m.room.slug == L.DAY_BIG)
        small = sorted(len(r.open) for r in self.rooms.values() if r.slug != L.DAY_BIG and r.open)
        return {
            "seconds": seconds,
            "online": online_at_start,
            "online_after": len(online),
            "rooms": len(rooms),
            "big_room": big,
            "small_rooms_online": [small[0], small[-1]] if small else None,
            "messages": len(mine),
            "deliveries": sum(self.msgs[s].got for s in mine),
            "deliveries_per_s": sum(self.msgs[s].got for s in mine) / span,
            "p50_ms": 1000 * H.pct(lat, 50) if lat else None,
            "p99_ms": 1000 * H.pct(lat, 99) if lat else None,
            "max_ms": 1000 * max(lat) if lat else None,
            "undelivered": undelivered,
            "resume_gaps": gaps,
            "duplicates": self.duplicates,
            "frames_per_s": frames / span,
            "mib_per_s": nbytes / span / 2**20,
            "presence_frames": presence,
            "typing": self.counts["typing"] - counts0["typing"],
            "reads": self.counts["reads"] - counts0["reads"],
            "churned": self.counts["churned"] - counts0["churned"],
            "skipped_sends": self.counts["skipped_sends"] - counts0["skipped_sends"],
            "reconnect_retries": self.counts["retries"] - counts0["retries"],
            "reconnect_failed": len(self.reconnect_errors) - failed0,
            "reconnect_errors": self.reconnect_errors[failed0 : failed0 + 3],
            "closed_by_server": closed,
            "error_frames": self.error_frames - errors0,
            "first_error": self.first_error.decode(errors="replace") if self.first_error else None,
            "pages": {
                k: {
                    "requests": len(v),
                    "p50_ms": 1000 * H.pct(v, 50) if v else None,
                    "p99_ms": 1000 * H.pct(v, 99) if v else None,
                }
                for k, v in page_times.items()
            }
            if pages
            else None,
            "page_requests": len(all_pages),
            "page_p50_ms": 1000 * H.pct(all_pages, 50) if all_pages else None,
            "page_p99_ms": 1000 * H.pct(all_pages, 99) if all_pages else None,
            "page_errors": page_errors[:3],
            "page_error_count": len(page_errors),
            "server_cpu": cpu / span,
            "client_cpu": ccpu / span,
            "mix": {k: v for k, v in MIX.items() if v != 1.0} or None,
        }


PAGE_PATHS = {"room directory": "/rooms/", "calendar month": "/meetups/month/"}


def fetch(port: int, path: str, cookie: str) -> tuple[int, float]:
    """One page load by a signed-in member, on its own connection."""
    t = time.perf_counter()
    conn = http.client.HTTPConnection(H.HOST, port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": f"sessionid={cookie}", "Host": H.HOST})
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - t
    finally:
        conn.close()


def room_seqs(ctx) -> dict[str, int]:
    """Each room's last seq now: where a member's page starts."""
    with contextlib.closing(ctx.db()) as conn:
        query = ctx.sql("SELECT slug, last_seq FROM groups_room WHERE slug = ? OR slug LIKE ?")
        return dict(conn.execute(query, (L.DAY_BIG, "day-%")).fetchall())


# --- the scenario -------------------------------------------------------------------------


async def ramp(
    ctx, kind: str, servers: H.Servers, steps: list[tuple[int, float, bool]], connect_limit: float | None = None
) -> list[dict]:
    """steps: (members online, seconds, main). Above the main step, only
    while the p99 holds. With `connect_limit` (one step over several
    processes) the step measures the members that connected within it, if
    at least half did."""
    day = Day(kind, servers, ctx.seed["sessions"])
    rows = []
    main_n = max((n for n, _, main in steps if main), default=0)
    for n, seconds, main in steps:
        if n > main_n and rows and not rows[-1].get("ok"):
            break
        t0 = time.monotonic()
        _, errors = await day.grow(n, connect_limit)
        connect_s = time.monotonic() - t0
        online = len(day.online())
        settle_s = await H.wait_quiet([m.conn.ws for m in day.online()], quiet=0.5, limit=15)
        if day.app:
            for slug, last in room_seqs(ctx).items():
                if slug in day.rooms:
                    day.rooms[slug].last_seq = last or 0
                    for member in day.rooms[slug].members:
                        if member.conn is not None:
                            member.conn.seq_floor = max(member.conn.seq_floor, last or 0)
        if not rows:
            await day.warm_up()
        row = {"n": n, "main": main, "connect_s": connect_s, "settle_s": settle_s, "connect_errors": errors[:3]}
        if online < n and connect_limit and online >= n // 2:
            row["note"] = f"{online:,} of {n:,} connected within {connect_limit:.0f} s"
        elif online < n:
            row.update(online=online, error=f"only {online} of {n} members connected within the limit")
            rows.append(row)
            ctx.log(f"  day {kind} {n}: {row['error']}")
            break
        drain = DRAIN_S if main and not ctx.quick else STEP_DRAIN_S
        row.update(await day.measure(seconds, pages=day.app, drain=drain))
        row["ok"] = row["p99_ms"] is not None and row["p99_ms"] <= GOAL_P99_MS and not row["undelivered"]
        ctx.log(f"  day {kind} {n}: {summary(row)}")
        rows.append(row)
    H.close_all([m.conn.ws for m in day.online()])
    return rows


def run(ctx, kinds: list[str]) -> list[dict]:
    """Embedded: the capacity steps on one process (app and plain); with
    PostgreSQL + Redis: PG_N members over the processes, one step."""
    quick = ctx.quick
    rows = []
    # The baseline runs on one process; with several, the app alone (short).
    for kind in [k for k in kinds if H.base(k) != "raw" and (ctx.procs == 1 or H.base(k) != "plain")]:
        # The same steps and seconds for every server: the same schedule.
        connect_limit = None
        if ctx.procs > 1:
            # Keep it short: the members that connect within the limit.
            steps = [(MAIN_N if quick else PG_N, 8.0, True)]
            connect_limit = 20.0 if quick else 25.0
        elif quick:
            steps = [(MAIN_N, 6.0, True)]
        else:
            steps = [(500, STEP_S, False), (1_000, STEP_S, False), (MAIN_N, MAIN_S, True)]
            steps += [(3_000, STEP_S, False), (4_000, STEP_S, False)]
        ctx.log(f"community day {ctx.backend} {kind}: {', '.join(str(s[0]) for s in steps)} online")
        servers = H.start(kind, ctx.env, ctx.workdir, count=ctx.procs)
        try:
            steps_rows = asyncio.run(ramp(ctx, kind, servers, steps, connect_limit))
        except Exception as exc:  # a failed run is a figure too
            steps_rows = [{"n": steps[-1][0], "main": True, "error": f"{type(exc).__name__}: {exc}"}]
        finally:
            servers.stop()
        for row in steps_rows:
            row.update(kind=kind, processes=ctx.procs, backend=ctx.backend)
        rows += steps_rows
    return rows


def capacity(rows: list[dict], kind: str) -> int | None:
    """The largest step (one process) whose p99 send → every member held."""
    ok = [r["n"] for r in rows if r.get("kind") == kind and r.get("processes") == 1 and r.get("ok")]
    return max(ok) if ok else (0 if any(r.get("kind") == kind for r in rows) else None)


def summary(row: dict) -> str:
    if "p99_ms" not in row:
        return row.get("error", "?")
    page = f", pages p99 {row['page_p99_ms']:.0f} ms ({row['page_requests']})" if row.get("page_requests") else ""
    return (
        f"{row['online']} online in {row['connect_s']:.1f}+{row['settle_s']:.1f}s; {row['messages']} msgs "
        f"p50 {row['p50_ms'] or 0:.0f} p99 {row['p99_ms'] or 0:.0f} max {row['max_ms'] or 0:.0f} ms, "
        f"{row['deliveries_per_s']:.0f} deliveries/s, "
        f"server cpu {row['server_cpu']:.2f} client {row['client_cpu']:.2f}, "
        f"undelivered {row['undelivered']} gaps {row['resume_gaps']} errors {row['error_frames']}, "
        f"churned {row['churned']} reads {row['reads']}, {row['frames_per_s']:.0f} frames/s "
        f"{row['mib_per_s']:.1f} MiB/s ({row['presence_frames']} presence){page}"
    )


if __name__ == "__main__":  # layout check: python -m bench.scenarios.community_day
    for n in (500, 1_000, 2_000, 4_000):
        rooms = online_layout(n)
        small = sorted(len(v) for k, v in rooms.items() if k != L.DAY_BIG)
        print(n, sum(map(len, rooms.values())), len(rooms[L.DAY_BIG]), small[0], small[-1], json.dumps(small[-5:]))
