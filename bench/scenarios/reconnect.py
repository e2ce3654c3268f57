"""Scenario 4 — reconnect storm: 1,000 members drop and come back with
?after_seq=<last seq they saw>&changes=<last change> (what the page sends;
the prototypes, which predate it, get ?after=<last id>).

The 1,000 members of the 50 throughput rooms connect and go quiet; they all
drop at once (TCP abort, as when a network blips); each room's sender, still
connected, posts MISSED messages; then all 1,000 reconnect together (200
handshakes in flight) and resume. The figure is the time from the first
reconnect until the last member holds every message it missed. The
baselines have no resume: for them the figure is the bare reconnect of
1,000 sockets, the floor the app's resume sits on.
"""

import asyncio
import time

from bench import harness as H
from bench import layout as L

MISSED = 20


async def measure(ctx, kind: str, servers: H.Servers, limit: float) -> dict:
    ports = servers.ports
    sessions = ctx.seed["sessions"]
    app = H.base(kind) not in ("raw", "plain")
    acked = [0] * L.THROUGHPUT_ROOMS

    def on_sender(ws, payload):
        if H.MESSAGE_RX.match(payload):
            acked[ws.tag] += 1

    def cookie(u):
        return None if H.base(kind) == "raw" else sessions[u]

    member_specs = []
    for i in range(L.THROUGHPUT_ROOMS):
        for j, u in enumerate(L.tp_receivers(i)):
            member_specs.append((ports[(i + j) % len(ports)], f"/ws/rooms/{L.tp_slug(i)}/", cookie(u), None, (i, u)))
    sender_specs = [
        (ports[i % len(ports)], f"/ws/rooms/{L.tp_slug(i)}/", cookie(L.THROUGHPUT_SENDER0 + i), on_sender, i)
        for i in range(L.THROUGHPUT_ROOMS)
    ]
    t0 = time.monotonic()
    senders, e1 = await H.connect_many(sender_specs, concurrency=25, deadline=t0 + 60)
    # Gently: the storm is what is measured, not this first join.
    members, e2 = await H.connect_many(member_specs, concurrency=25, deadline=t0 + limit)
    await H.wait_quiet([*senders, *members], limit=limit)
    result = {"members": len(member_specs), "first_connect_s": time.monotonic() - t0}
    if len(senders) < len(sender_specs) or not members:
        H.close_all([*senders, *members])
        result["error"] = f"initial connect incomplete: {(e1 + e2)[:2]}"
        return result
    if len(members) < len(member_specs):
        # Storm with those that got in; the table says how many.
        result["members"] = len(members)
        result["first_connect_note"] = f"only {len(members)} of {len(member_specs)} joined within {limit:.0f} s"
        joined = {ws.tag for ws in members}
        member_specs = [spec for spec in member_specs if spec[4] in joined]

    last_id, resume_from = {}, {}
    if app:
        with ctx.db() as conn:
            for i in range(L.THROUGHPUT_ROOMS):
                room_id = ctx.seed["rooms"][L.tp_slug(i)]
                last_id[i] = conn.execute(
                    ctx.sql("SELECT COALESCE(MAX(id), 0) FROM groups_message WHERE room_id = ?"), (room_id,)
                ).fetchone()[0]
                seq, change = conn.execute(
                    ctx.sql("SELECT last_seq, last_change FROM groups_room WHERE id = ?"), (room_id,)
                ).fetchone()
                resume_from[i] = f"?after_seq={seq}&changes={change}"
    H.close_all(members)
    await asyncio.sleep(1.0)

    expected: dict[int, int] = {}
    if app:
        by_sender = {ws.tag: ws for ws in senders}
        for i in range(L.THROUGHPUT_ROOMS):
            for seq in range(1, MISSED + 1):
                by_sender[i].send_text(H.app_send_frame(seq))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and sum(acked) < MISSED * L.THROUGHPUT_ROOMS:
            await asyncio.sleep(0.1)
        with ctx.db() as conn:
            for i in range(L.THROUGHPUT_ROOMS):
                expected[i] = conn.execute(
                    ctx.sql("SELECT COUNT(*) FROM groups_message WHERE room_id = ? AND id > ?"),
                    (ctx.seed["rooms"][L.tp_slug(i)], last_id[i]),
                ).fetchone()[0]
    result["missed_per_member"] = max(expected.values(), default=0)

    got: dict[int, set] = {}
    caught_up: dict[int, float] = {}

    def on_member(ws, payload):
        room, u = ws.tag
        m = H.MESSAGE_RX.match(payload)
        if m:
            seen = got.setdefault(u, set())
            seen.add(int(m.group(1)))
            if len(seen) >= expected.get(room, 0) and u not in caught_up:
                caught_up[u] = time.monotonic()

    specs = []
    for port, path, ck, _, (i, u) in member_specs:
        suffix = "" if not app else resume_from[i] if H.base(kind) == "app" else f"?after={last_id[i]}"
        specs.append((port, path + suffix, ck, on_member, (i, u)))
    start = time.monotonic()
    cpu0 = servers.cpu()
    members, errors = await H.connect_many(specs, concurrency=200, deadline=start + limit)
    connected_at = time.monotonic()
    if not app:
        for ws in members:
            caught_up[ws.tag[1]] = connected_at
    deadline = start + limit
    while len(caught_up) < len(members) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    end = max(caught_up.values(), default=time.monotonic())
    per_member = [t - start for t in caught_up.values()]
    result.update(
        reconnected=len(members),
        reconnect_s=connected_at - start,
        caught_up=len(caught_up),
        all_caught_up_s=end - start if len(caught_up) == len(specs) else None,
        p50_s=H.pct(per_member, 50),
        p99_s=H.pct(per_member, 99),
        server_cpu_s=servers.cpu() - cpu0,
        errors=errors[:3],
    )
    H.close_all([*senders, *members])
    return result


def run(ctx, kinds: list[str]) -> list[dict]:
    rows = []
    for kind in kinds:
        count = 1 if H.base(kind) == "raw" else ctx.procs
        ctx.log(f"reconnect storm {ctx.backend} {kind} ({count} process{'es' if count > 1 else ''})")
        servers = H.start(kind, ctx.env, ctx.workdir, count=count)
        try:
            row = asyncio.run(measure(ctx, kind, servers, 20 if ctx.quick else 40))
        except Exception as exc:
            row = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            servers.stop()
        row.update(kind=kind, processes=count, backend=ctx.backend)
        ctx.log("  -> " + summary(row))
        rows.append(row)
    return rows


def summary(row: dict) -> str:
    if "reconnected" not in row:
        return row.get("error", "?")
    total = row["all_caught_up_s"]
    return (
        f"{row['reconnected']}/{row['members']} back in {row['reconnect_s']:.2f}s, all caught up in "
        f"{f'{total:.2f}s' if total is not None else 'NOT within the limit'} ({row['missed_per_member']} missed each), "
        f"p99 {row['p99_s'] or 0:.2f}s, server cpu {row['server_cpu_s']:.1f}s"
    )
