"""Scenario — join burst: 200 sockets connect at once while 20 rooms talk.

The 20 rooms tp-00..tp-19 are connected and quiet: their 20 members and
their sender each, 420 sockets. The senders then post 20 messages a second
between them, round the rooms. After a quiet stretch, 200 members of the
fan-out room (receivers 0..199) connect to it all at once (200 handshakes in
flight, as after a server restart or at the start of a meeting). The figure:
send → delivery to every socket of the room (its 20 members and the
sender's own copy) for the messages sent while the burst connects, beside
the same figure before the burst, and the time the 200 take to get in.

With two processes the rooms' sockets and the joiners alternate between them.
"""

import asyncio
import time

from bench import harness as H
from bench import layout as L

ROOMS = 20
RATE = 20.0  # messages a second, all rooms together
JOINERS = 200
QUIET = 5.0  # seconds of traffic before the burst
AFTER = 2.0  # seconds of traffic after the last joiner is in


async def measure(ctx, kind: str, servers: H.Servers, limit: float) -> dict:
    ports = servers.ports
    sessions = ctx.seed["sessions"]
    app = H.base(kind) != "plain"
    per_room = L.THROUGHPUT_MEMBERS + 1
    sent: dict[int, float] = {}
    count: dict[int, int] = {}
    done: dict[int, float] = {}

    def on_text(ws, payload):
        m = H.MESSAGE_RX.match(payload)
        if m:
            seq = int(m.group(2))
            c = count[seq] = count.get(seq, 0) + 1
            if c == per_room:
                done[seq] = time.monotonic()

    specs = []
    for i in range(ROOMS):
        path = f"/ws/rooms/{L.tp_slug(i)}/"
        for j, u in enumerate(L.tp_receivers(i)):
            specs.append((ports[(i + j) % len(ports)], path, sessions[u], on_text, ("member", i)))
        specs.append((ports[i % len(ports)], path, sessions[L.THROUGHPUT_SENDER0 + i], on_text, ("sender", i)))
    t0 = time.monotonic()
    sockets, errors = await H.connect_many(specs, concurrency=50, deadline=t0 + limit)
    result = {"sockets": len(specs), "connected": len(sockets)}
    if len(sockets) < len(specs):
        H.close_all(sockets)
        result["error"] = f"only {len(sockets)} of {len(specs)} connected: {errors[:2]}"
        return result
    await H.wait_quiet(sockets, limit=30)
    senders = {ws.tag[1]: ws for ws in sockets if ws.tag[0] == "sender"}

    def frame(seq: int, room: int) -> str:
        if app:
            return H.app_send_frame(seq)
        return H.baseline_frame(seq, seq, L.tp_slug(room))

    stop = asyncio.Event()

    async def talk():
        seq, start = 0, time.monotonic()
        while not stop.is_set():
            seq += 1
            room = seq % ROOMS
            sent[seq] = time.monotonic()
            senders[room].send_text(frame(seq, room))
            delay = start + seq / RATE - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)

    joiner_specs = [
        (ports[u % len(ports)], "/ws/rooms/fanout/", sessions[u], None, ("joiner", u)) for u in range(JOINERS)
    ]
    cpu0 = servers.cpu()
    talker = asyncio.get_running_loop().create_task(talk())
    await asyncio.sleep(QUIET)
    burst_start = time.monotonic()
    joiners, join_errors = await H.connect_many(joiner_specs, concurrency=JOINERS, deadline=burst_start + limit)
    burst_end = time.monotonic()
    await asyncio.sleep(AFTER)
    stop.set()
    await talker
    drain_until = time.monotonic() + 10
    while time.monotonic() < drain_until and len(done) < len(sent):
        await asyncio.sleep(0.05)
    cpu = servers.cpu() - cpu0
    H.close_all([*sockets, *joiners])

    def latencies(lo: float, hi: float) -> tuple[list[float], int]:
        seqs = [s for s, t in sent.items() if lo <= t < hi]
        got = [(done[s] - sent[s]) * 1000 for s in seqs if s in done]
        return got, len(seqs) - len(got)

    before, lost_before = latencies(burst_start - QUIET + 1.0, burst_start)
    during, lost_during = latencies(burst_start, burst_end)
    result.update(
        joiners=len(joiners),
        join_s=burst_end - burst_start,
        join_errors=join_errors[:2],
        sent=len(sent),
        before_p50_ms=H.pct(before, 50),
        before_p99_ms=H.pct(before, 99),
        during_n=len(during),
        during_p50_ms=H.pct(during, 50),
        during_p99_ms=H.pct(during, 99),
        during_max_ms=max(during, default=None),
        undelivered=lost_before + lost_during,
        server_cpu=cpu / max(1e-9, time.monotonic() - t0),
    )
    return result


def run(ctx, kinds: list[str]) -> list[dict]:
    rows = []
    for kind in kinds:
        if H.base(kind) == "raw":
            continue  # the websockets ceiling has no sessions or rooms to join
        count = ctx.procs
        ctx.log(f"join burst {ctx.backend} {kind} ({count} process{'es' if count > 1 else ''})")
        servers = H.start(kind, ctx.env, ctx.workdir, count=count)
        try:
            row = asyncio.run(measure(ctx, kind, servers, 60))
        except Exception as exc:
            row = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            servers.stop()
        row.update(kind=kind, processes=count, backend=ctx.backend)
        ctx.log("  -> " + summary(row))
        rows.append(row)
    return rows


def summary(row: dict) -> str:
    if "during_p99_ms" not in row:
        return row.get("error", "?")

    def ms(v):
        return "-" if v is None else f"{v:.0f} ms"

    return (
        f"{row['joiners']}/{JOINERS} joined in {row['join_s']:.1f}s; delivery to others p99 "
        f"{ms(row['before_p99_ms'])} before, {ms(row['during_p99_ms'])} during ({row['during_n']} messages, "
        f"max {ms(row['during_max_ms'])}), undelivered {row['undelivered']}"
    )
