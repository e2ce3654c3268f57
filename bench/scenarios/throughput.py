"""Scenario 2 — throughput: 50 rooms x 20 members, one sender in every room,
sustained for a fixed time.

Each room's sender keeps up to WINDOW messages in flight (sent, not yet back
on its own socket) for the whole window, then everyone drains. The check:
every socket of a room (its 20 members and the sender) received exactly the
room's stored messages — for the app, the rows in groups_message; for the
baselines, which store nothing, what the sender sent — once each, in id
order. With two processes a room's sockets alternate between them, so every
room crosses the channel layer.
"""

import asyncio
import contextlib
import time

from bench import harness as H
from bench import layout as L

WINDOW = 4


async def measure(ctx, kind: str, servers: H.Servers, seconds: float) -> dict:
    ports = servers.ports
    sessions = ctx.seed["sessions"]
    app = H.base(kind) not in ("raw", "plain")
    received: dict[int, list[int]] = {}
    acked = [0] * L.THROUGHPUT_ROOMS
    wake = [asyncio.Event() for _ in range(L.THROUGHPUT_ROOMS)]
    counters = {"last": 0.0, "errors": 0}
    first_error: list[bytes] = []

    def on_member(ws, payload):
        m = H.MESSAGE_RX.match(payload)
        if m:
            received[ws.tag].append(int(m.group(1)))
            counters["last"] = time.monotonic()

    def on_sender(ws, payload):
        m = H.MESSAGE_RX.match(payload)
        room = ws.tag - 100_000
        if m:
            received[ws.tag].append(int(m.group(1)))
            acked[room] += 1
            wake[room].set()
            counters["last"] = time.monotonic()
        elif payload.startswith(b'{"type":"error"'):
            counters["errors"] += 1
            first_error[:] = [payload[:300]]

    specs = []
    for i in range(L.THROUGHPUT_ROOMS):
        path = f"/ws/rooms/{L.tp_slug(i)}/"
        for j, u in enumerate(L.tp_receivers(i)):
            received[u] = []
            cookie = None if H.base(kind) == "raw" else sessions[u]
            specs.append((ports[(i + j) % len(ports)], path, cookie, on_member, u))
        sender_tag = 100_000 + i
        received[sender_tag] = []
        cookie = None if H.base(kind) == "raw" else sessions[L.THROUGHPUT_SENDER0 + i]
        specs.append((ports[i % len(ports)], path, cookie, on_sender, sender_tag))
    t0 = time.monotonic()
    sockets, errors = await H.connect_many(specs, concurrency=50, deadline=t0 + 120)
    result = {"connect_s": time.monotonic() - t0, "connected": len(sockets), "sockets": len(specs)}
    result["settle_s"] = await H.wait_quiet(sockets, limit=60)
    if len(sockets) < len(specs):
        H.close_all(sockets)
        result["error"] = f"only {len(sockets)} of {len(specs)} sockets connected: {errors[:2]}"
        return result
    senders = {ws.tag - 100_000: ws for ws in sockets if ws.tag >= 100_000}

    before = 0
    if app:
        with ctx.db() as conn:
            before = conn.execute("SELECT COALESCE(MAX(id), 0) FROM groups_message").fetchone()[0]

    sent = [0] * L.THROUGHPUT_ROOMS
    start = time.monotonic()
    end = start + seconds
    cpu0 = servers.cpu()

    async def sender(room: int):
        ws = senders[room]
        slug = L.tp_slug(room)
        while time.monotonic() < end:
            if sent[room] - acked[room] >= WINDOW:
                wake[room].clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake[room].wait(), timeout=max(0.01, end - time.monotonic()))
                continue
            sent[room] += 1
            seq = sent[room]
            ws.send_text(H.app_send_frame(seq) if app else H.baseline_frame(seq, seq, slug))

    await asyncio.gather(*(sender(i) for i in range(L.THROUGHPUT_ROOMS)))
    # Drain: until every socket holds what its sender got back, or quiet.
    drain_deadline = time.monotonic() + 20
    while time.monotonic() < drain_deadline:
        await asyncio.sleep(0.2)
        if time.monotonic() - counters["last"] > 2.0:
            break
    if not counters["last"]:
        H.close_all(sockets)
        result["error"] = "nothing was delivered"
        return result
    span = max(counters["last"] - start, 1e-9)
    cpu = servers.cpu() - cpu0

    expected: dict[int, list[int]] = {}
    if app:
        room_ids = {ctx.seed["rooms"][L.tp_slug(i)]: i for i in range(L.THROUGHPUT_ROOMS)}
        with ctx.db() as conn:
            rows = conn.execute(
                ctx.sql("SELECT room_id, id FROM groups_message WHERE id > ? ORDER BY id"), (before,)
            ).fetchall()
        for room_id, msg_id in rows:
            if room_id in room_ids:
                expected.setdefault(room_ids[room_id], []).append(msg_id)
    else:
        expected = {i: list(range(1, sent[i] + 1)) for i in range(L.THROUGHPUT_ROOMS)}
    stored = sum(len(v) for v in expected.values())

    exact = missing = duplicated = reordered = 0
    for i in range(L.THROUGHPUT_ROOMS):
        want = expected.get(i, [])
        for tag in [*L.tp_receivers(i), 100_000 + i]:
            got = received[tag]
            if got == want:
                exact += 1
                continue
            if len(set(got)) != len(got):
                duplicated += 1
            if set(want) - set(got):
                missing += 1
            if got != sorted(got):
                reordered += 1
    result.update(
        seconds=seconds,
        sent=sum(sent),
        stored=stored,
        stored_per_s=stored / span,
        deliveries_per_s=sum(len(v) for v in received.values()) / span,
        server_cpu=cpu / span,
        members_checked=len(received),
        members_exact=exact,
        members_missing=missing,
        members_duplicated=duplicated,
        members_reordered=reordered,
        zero_loss=exact == len(received) and stored == sum(acked) and stored > 0,
        sender_errors=counters["errors"],
        first_error=first_error[0].decode(errors="replace") if first_error else None,
    )
    H.close_all(sockets)
    return result


def run(ctx, kinds: list[str]) -> list[dict]:
    rows = []
    for kind in kinds:
        count = 1 if H.base(kind) == "raw" else ctx.procs
        ctx.log(f"throughput {ctx.backend} {kind} ({count} process{'es' if count > 1 else ''})")
        servers = H.start(kind, ctx.env, ctx.workdir, count=count)
        try:
            row = asyncio.run(measure(ctx, kind, servers, 5 if ctx.quick else 10))
        except Exception as exc:
            row = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            servers.stop()
        row.update(kind=kind, processes=count, backend=ctx.backend)
        ctx.log("  -> " + summary(row))
        rows.append(row)
    return rows


def summary(row: dict) -> str:
    if "stored" not in row:
        return row.get("error", "?")
    return (
        f"{row['stored_per_s']:.0f} stored msg/s, {row['deliveries_per_s']:.0f} deliveries/s, "
        f"server cpu {row['server_cpu']:.2f}, exact {row['members_exact']}/{row['members_checked']}, "
        f"zero loss {row['zero_loss']}, errors {row['sender_errors']}"
    )
