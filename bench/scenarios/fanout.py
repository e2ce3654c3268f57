"""Scenario 1 — fan-out: one room, N connected members, one sender.

Two phases per server and N, after the members have connected and the room
has gone quiet (the app broadcasts presence on every join):

- capacity: closed loop, at most `window` messages not yet received by every
  member; deliveries per second is what the server sustains when pushed,
  and deliveries per server CPU-second is the same figure corrected for the
  CPU the server actually got (the machine is shared).
- steady: the sender posts at 10,000/N messages per second (the goal's
  10,000 deliveries/s, capped at 1,000 messages/s) — or at half the measured
  capacity when that is lower — for a fixed time; latency is from the sender
  writing the frame to the *last* of the N members reading it.

The sender is one more socket (N receivers + 1). With two processes the
receivers alternate between them and the sender uses the first.
"""

import asyncio
import contextlib
import time

from bench import harness as H
from bench import layout as L

GOAL_DELIVERIES = 10_000


class Tracker:
    def __init__(self, n: int):
        self.n = n
        self.sent: dict[int, float] = {}
        self.count: dict[int, int] = {}
        self.done: dict[int, float] = {}
        self.deliveries = 0
        self.extra = 0
        self.last_recv = 0.0
        self.wake = asyncio.Event()

    def got(self, seq: int) -> None:
        now = time.monotonic()
        self.deliveries += 1
        self.last_recv = now
        c = self.count.get(seq, 0) + 1
        self.count[seq] = c
        if c == self.n:
            self.done[seq] = now
            self.wake.set()
        elif c > self.n:
            self.extra += 1

    def inflight(self) -> int:
        return len(self.sent) - len(self.done)


def _maker(kind: str):
    if H.base(kind) in ("raw", "plain"):
        return lambda seq: H.baseline_frame(seq, seq, "fanout")
    return H.app_send_frame


async def _drain(tracker: Tracker, seqs, limit: float) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and any(s not in tracker.done for s in seqs):
        tracker.wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(tracker.wake.wait(), timeout=0.2)


async def measure(
    kind: str,
    ports: list[int],
    sessions: list[str],
    n: int,
    *,
    steady_s: float,
    capacity_s: float,
    capacity_deliveries: int,
    servers: H.Servers,
    connect_limit: float,
) -> dict:
    path = "/ws/rooms/fanout/"
    cookie = (lambda i: None) if H.base(kind) == "raw" else (lambda i: sessions[i])
    tracker = Tracker(n)
    make = _maker(kind)
    errors: list[bytes] = []

    def on_member(ws, payload):
        m = H.MESSAGE_RX.match(payload)
        if m:
            tracker.got(int(m.group(2)))

    def on_sender(ws, payload):
        if payload.startswith(b'{"type":"error"'):
            errors.append(payload[:300])

    result: dict = {"n": n}
    sender = await H.ws_connect(ports[0], path, cookie=cookie(L.FANOUT_SENDER), on_text=on_sender)
    t0 = time.monotonic()
    specs = [(ports[i % len(ports)], path, cookie(i), on_member, i) for i in range(n)]
    members, connect_errors = await H.connect_many(specs, concurrency=50, deadline=t0 + connect_limit)
    result["connect_s"] = time.monotonic() - t0
    result["connected"] = len(members)
    result["connect_errors"] = connect_errors[:3]
    result["settle_s"] = await H.wait_quiet([*members, sender], limit=connect_limit)
    result["setup_frames"] = sum(ws.frames for ws in members)
    if len(members) < n:
        H.close_all([*members, sender])
        result["error"] = f"only {len(members)} of {n} members connected within {connect_limit:.0f} s"
        return result

    # Capacity first: closed loop, at most `window` messages short of a member.
    window = min(50, max(10, 5000 // n))
    target = max(20, capacity_deliveries // n)
    seq = 1
    start = time.monotonic()
    cpu0, ccpu0 = servers.cpu(), time.process_time()
    stalled = False
    while seq <= target and time.monotonic() - start < capacity_s:
        if tracker.inflight() >= window:
            tracker.wake.clear()
            try:
                await asyncio.wait_for(tracker.wake.wait(), timeout=10)
            except TimeoutError:
                stalled = True
                break
            continue
        tracker.sent[seq] = time.monotonic()
        sender.send_text(make(seq))
        seq += 1
    cap_seqs = list(range(1, seq))
    await _drain(tracker, cap_seqs, limit=10)
    if not tracker.deliveries:
        H.close_all([*members, sender])
        result["error"] = "nothing was delivered"
        return result
    span = max(tracker.last_recv - start, 1e-9)
    cpu, ccpu = servers.cpu() - cpu0, time.process_time() - ccpu0
    lat = [tracker.done[s] - tracker.sent[s] for s in cap_seqs if s in tracker.done]
    deliveries = tracker.deliveries
    capacity = deliveries / span
    result["capacity"] = {
        "window": window,
        "sent": len(cap_seqs),
        "undelivered": len(cap_seqs) - len(lat),
        "stalled": stalled,
        "deliveries_per_s": capacity,
        "deliveries_per_s_per_process": capacity / len(servers.items),
        "p50_ms": 1000 * H.pct(lat, 50) if lat else None,
        "p99_ms": 1000 * H.pct(lat, 99) if lat else None,
        "server_cpu": cpu / span,
        "client_cpu": ccpu / span,
        "deliveries_per_cpu_s": deliveries / cpu if cpu else None,
    }

    # Then a steady rate: the goal's 10,000 deliveries/s, or half of what the
    # server just sustained if that is less (above capacity a queue only
    # grows, and its latency says nothing).
    goal_rate = min(GOAL_DELIVERIES / n, 1000.0)
    rate = max(0.2, min(goal_rate, 0.5 * capacity / n))
    count = max(5, int(rate * steady_s))
    first = seq
    seqs = list(range(first, first + count))
    base = tracker.deliveries
    start = time.monotonic()
    cpu0 = servers.cpu()
    for i, seq in enumerate(seqs):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tracker.sent[seq] = time.monotonic()
        sender.send_text(make(seq))
    await _drain(tracker, seqs, limit=10)
    done = [tracker.done[s] - tracker.sent[s] for s in seqs if s in tracker.done]
    span = max(tracker.last_recv - start, 1e-9)
    result["steady"] = {
        "rate_msgs": rate,
        "goal_rate_msgs": goal_rate,
        "at_goal_rate": rate >= goal_rate,
        "sent": count,
        "undelivered": count - len(done),
        "deliveries_per_s": (tracker.deliveries - base) / span,
        "p50_ms": 1000 * H.pct(done, 50) if done else None,
        "p99_ms": 1000 * H.pct(done, 99) if done else None,
        "max_ms": 1000 * max(done) if done else None,
        "server_cpu": (servers.cpu() - cpu0) / span,
    }
    result["duplicates"] = tracker.extra
    result["sender_errors"] = [e.decode(errors="replace") for e in errors[:3]]
    H.close_all([*members, sender])
    return result


def run(ctx, kinds: list[str], sizes: list[int]) -> list[dict]:
    quick = ctx.quick
    rows = []
    for kind in kinds:
        for n in sizes:
            count = 1 if H.base(kind) == "raw" else ctx.procs
            ctx.log(f"fan-out {ctx.backend} {kind} N={n} ({count} process{'es' if count > 1 else ''})")
            servers = H.start(kind, ctx.env, ctx.workdir, count=count)
            try:
                row = asyncio.run(
                    measure(
                        kind,
                        servers.ports,
                        ctx.seed["sessions"],
                        n,
                        steady_s=3 if quick else 4,
                        capacity_s=4 if quick else 5,
                        capacity_deliveries=40_000 if quick else 150_000,
                        servers=servers,
                        connect_limit=20 if quick else 30,
                    )
                )
            except Exception as exc:  # a failed run is a figure too
                row = {"n": n, "error": f"{type(exc).__name__}: {exc}"}
            finally:
                servers.stop()
            row.update(kind=kind, processes=count, backend=ctx.backend)
            ctx.log(f"  -> {summary(row)}")
            rows.append(row)
    return rows


def summary(row: dict) -> str:
    if "error" in row and "capacity" not in row:
        return row["error"]
    s, c = row["steady"], row["capacity"]
    return (
        f"connect {row['connect_s']:.1f}s settle {row['settle_s']:.1f}s; steady {s['deliveries_per_s']:.0f}/s "
        f"p50 {s['p50_ms'] or 0:.1f} p99 {s['p99_ms'] or 0:.1f} ms at {s['rate_msgs']:.0f} msg/s "
        f"undelivered {s['undelivered']}; capacity {c['deliveries_per_s']:.0f}/s server cpu {c['server_cpu']:.2f} "
        f"client cpu {c['client_cpu']:.2f} per cpu-s {c['deliveries_per_cpu_s'] or 0:.0f} stalled {c['stalled']}"
    )
