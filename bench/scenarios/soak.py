"""Scenario — soak: hours of churn on one process, memory and descriptors.

Not part of the default run (it takes as long as asked): `scripts/bench
--only soak --backend embedded --soak-minutes 120`.

300 sockets over the 20 rooms tp-00..tp-19 (15 members each); every second
20 of them drop and come back with ?after= (the last message id they saw), 10
messages a second go round the rooms, and once a minute 200 members of the
fan-out room connect at once and leave again 30 seconds later. The server's
resident memory (RSS) and open file descriptors are sampled every 10
seconds. Figures: RSS at the start, after the first hour and at the end, the
growth rate over the time after the first hour (least squares, MiB per hour;
the goal is ≤ 0.75), descriptors back to baseline, messages lost.
"""

import asyncio
import os
import random
import time

from bench import harness as H
from bench import layout as L

ROOMS = 20
PER_ROOM = 15
RECONNECTS = 20  # a second
RATE = 10.0  # messages a second
BURST = 200  # sockets, once a minute
BURST_STAY = 30.0
SAMPLE_EVERY = 10.0
WARM_UP = 3600.0  # the growth rate is measured after this


def _fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


def _slope_mib_per_hour(points: list[tuple[float, int]]) -> float | None:
    if len(points) < 3:
        return None
    n = len(points)
    mx = sum(t for t, _ in points) / n
    my = sum(r for _, r in points) / n
    var = sum((t - mx) ** 2 for t, _ in points)
    if var == 0:
        return None
    slope = sum((t - mx) * (r - my) for t, r in points) / var  # bytes per second
    return slope * 3600 / 2**20


async def measure(ctx, kind: str, servers: H.Servers, minutes: float) -> dict:
    server = servers.items[0]
    port = server.port
    sessions = ctx.seed["sessions"]
    rng = random.Random(7)
    last_id: dict[int, int] = {}
    sent_ids: set[int] = set()
    errors = {"frames": 0, "reconnect_failures": 0}

    def on_text(ws, payload):
        m = H.MESSAGE_RX.match(payload)
        if m:
            msg_id = int(m.group(1))
            if msg_id > last_id.get(ws.tag, 0):
                last_id[ws.tag] = msg_id
        elif payload.startswith(b'{"type":"error"'):
            errors["frames"] += 1

    def on_sender(ws, payload):
        m = H.MESSAGE_RX.match(payload)
        if m:
            sent_ids.add(int(m.group(1)))

    members = []
    for i in range(ROOMS):
        for u in L.tp_receivers(i)[:PER_ROOM]:
            members.append((i, u))
    specs = [(port, f"/ws/rooms/{L.tp_slug(i)}/", sessions[u], on_text, u) for i, u in members]
    room_of = {u: i for i, u in members}
    sender_specs = [
        (port, f"/ws/rooms/{L.tp_slug(i)}/", sessions[L.THROUGHPUT_SENDER0 + i], on_sender, ("sender", i))
        for i in range(ROOMS)
    ]
    idle_fds = _fds(server.pid)
    t0 = time.monotonic()
    senders, e1 = await H.connect_many(sender_specs, concurrency=20, deadline=t0 + 60)
    sockets, e2 = await H.connect_many(specs, concurrency=50, deadline=t0 + 120)
    if len(senders) < ROOMS or len(sockets) < len(specs):
        H.close_all([*senders, *sockets])
        return {"error": f"initial connect incomplete: {(e1 + e2)[:2]}"}
    await H.wait_quiet([*senders, *sockets], limit=30)
    live = {ws.tag: ws for ws in sockets}
    by_room = {ws.tag[1]: ws for ws in senders}

    start = time.monotonic()
    end = start + minutes * 60
    baseline_fds = _fds(server.pid)
    samples: list[tuple[float, int, int]] = [(0.0, H.rss_bytes(server.pid), baseline_fds)]
    stop = asyncio.Event()

    async def talk():
        seq = 0
        while not stop.is_set():
            seq += 1
            by_room[seq % ROOMS].send_text(H.app_send_frame(seq))
            delay = start + seq / RATE - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)

    async def churn():
        while not stop.is_set():
            tick = time.monotonic()
            for u in rng.sample(sorted(live), min(RECONNECTS, len(live))):
                ws = live.pop(u)
                ws.abort()
                path = f"/ws/rooms/{L.tp_slug(room_of[u])}/?after={last_id.get(u, 0)}"
                try:
                    live[u] = await H.ws_connect(port, path, cookie=sessions[u], on_text=on_text, tag=u, timeout=30)
                except Exception:
                    errors["reconnect_failures"] += 1
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))

    async def bursts():
        while not stop.is_set():
            await asyncio.sleep(60)
            if stop.is_set():
                return
            burst_specs = [(port, "/ws/rooms/fanout/", sessions[u], None, ("burst", u)) for u in range(BURST)]
            joined, _ = await H.connect_many(burst_specs, concurrency=BURST, deadline=time.monotonic() + 30)
            try:
                await asyncio.sleep(BURST_STAY)
            finally:  # the run may end while a burst is in: it leaves too
                H.close_all(joined)

    async def sample():
        while not stop.is_set():
            await asyncio.sleep(SAMPLE_EVERY)
            samples.append((time.monotonic() - start, H.rss_bytes(server.pid), _fds(server.pid)))

    tasks = [asyncio.get_running_loop().create_task(c()) for c in (talk, churn, bursts, sample)]
    while time.monotonic() < end:
        await asyncio.sleep(1)
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    H.close_all([*senders, *live.values()])
    await asyncio.sleep(5)
    final_fds = _fds(server.pid)
    warm = min(WARM_UP, minutes * 60 / 2)
    after = [(t, r) for t, r, _ in samples if t >= warm]
    at_warm = after[0][1] if after else None
    rss0, rss_end = samples[0][1], samples[-1][1]
    return {
        "minutes": minutes,
        "warm_up_min": warm / 60,
        "rss_start_mib": rss0 / 2**20,
        "rss_after_warm_up_mib": at_warm / 2**20 if at_warm else None,
        "rss_end_mib": rss_end / 2**20,
        "growth_after_warm_up_mib_per_h": _slope_mib_per_hour(after),
        "growth_whole_run_mib_per_h": _slope_mib_per_hour([(t, r) for t, r, _ in samples]),
        "fds_idle": idle_fds,
        "fds_baseline": baseline_fds,
        "fds_peak": max(f for _, _, f in samples),
        "fds_after": final_fds,
        "messages_stored": len(sent_ids),
        "error_frames": errors["frames"],
        "reconnect_failures": errors["reconnect_failures"],
        "samples": [(round(t), round(r / 2**20, 1), f) for t, r, f in samples],
    }


def run(ctx, kinds: list[str], minutes: float) -> list[dict]:
    rows = []
    for kind in kinds:
        if H.base(kind) != "app":
            continue  # the baselines keep no state worth soaking
        ctx.log(f"soak {ctx.backend} {kind}: {minutes:.0f} minutes")
        servers = H.start(kind, ctx.env, ctx.workdir, count=1)
        try:
            row = asyncio.run(measure(ctx, kind, servers, minutes))
        except Exception as exc:
            row = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            servers.stop()
        row.update(kind=kind, processes=1, backend=ctx.backend)
        ctx.log("  -> " + summary(row))
        rows.append(row)
    return rows


def summary(row: dict) -> str:
    if "rss_end_mib" not in row:
        return row.get("error", "?")
    growth = row["growth_after_warm_up_mib_per_h"]
    return (
        f"RSS {row['rss_start_mib']:.0f} → {row['rss_end_mib']:.0f} MiB over {row['minutes']:.0f} min; after the "
        f"first {row['warm_up_min']:.0f} min {'-' if growth is None else f'{growth:+.2f}'} MiB/h; fds idle "
        f"{row['fds_idle']}, {row['fds_baseline']} with 320 sockets, peak {row['fds_peak']}, {row['fds_after']} after "
        f"they closed; {row['messages_stored']} messages, "
        f"{row['reconnect_failures']} failed reconnects"
    )
