"""Scenario 3 — connections: thousands of idle sockets on one process.

Members 0..count-1 each open their idle room (idle-00..idle-99, 50 members
a room: realistic rooms, and the app's presence frames stay bounded). Memory
per socket is the growth of the server's resident memory divided by the
socket count, measured once the room traffic of the connection storm has
drained; idle CPU is the server's CPU time over a quiet window. A server
that cannot take the sockets within the time limit is still working through
handshakes the client gave up on: its "idle" CPU is then that work.
"""

import asyncio
import time

from bench import harness as H
from bench import layout as L


async def measure(ctx, kind: str, servers: H.Servers, count: int, idle_s: float, connect_limit: float) -> dict:
    ports = servers.ports
    sessions = ctx.seed["sessions"]
    await asyncio.sleep(1.0)
    rss0 = servers.rss()
    specs = [
        (
            ports[u % len(ports)],
            f"/ws/rooms/{L.idle_slug(u // L.IDLE_ROOM_SIZE)}/",
            None if H.base(kind) == "raw" else sessions[u],
            None,
            u,
        )
        for u in range(count)
    ]
    t0 = time.monotonic()
    cpu0 = servers.cpu()
    sockets, errors = await H.connect_many(specs, concurrency=100, deadline=t0 + connect_limit)
    connect_s = time.monotonic() - t0
    settle_s = await H.wait_quiet(sockets, quiet=1.0, limit=120)
    connect_cpu = servers.cpu() - cpu0
    await asyncio.sleep(1.0)
    rss1 = servers.rss()
    cpu1 = servers.cpu()
    await asyncio.sleep(idle_s)
    idle_cpu = (servers.cpu() - cpu1) / idle_s
    alive = sum(1 for s in sockets if not s.closed.done())
    result = {
        "count": count,
        "connected": len(sockets),
        "alive_after_idle": alive,
        "connect_errors": errors[:3],
        "connect_s": connect_s,
        "settle_s": settle_s,
        "connects_per_s": len(sockets) / connect_s if connect_s else None,
        "connect_cpu_ms_per_socket": 1000 * connect_cpu / max(1, len(sockets)),
        "setup_frames": sum(s.frames for s in sockets),
        "rss_before_mib": rss0 / 2**20,
        "rss_after_mib": rss1 / 2**20,
        "kib_per_socket": (rss1 - rss0) / 1024 / max(1, len(sockets)),
        "idle_cpu": idle_cpu,
        "idle_s": idle_s,
    }
    H.close_all(sockets)
    return result


def run(ctx, kinds: list[str], count: int) -> list[dict]:
    rows = []
    for kind in kinds:
        ctx.log(f"connections {ctx.backend} {kind}: {count} idle sockets on 1 process")
        servers = H.start(kind, ctx.env, ctx.workdir, count=1)
        try:
            row = asyncio.run(measure(ctx, kind, servers, count, 5 if ctx.quick else 10, 20 if ctx.quick else 40))
        except Exception as exc:
            row = {"count": count, "error": f"{type(exc).__name__}: {exc}"}
        finally:
            servers.stop()
        row.update(kind=kind, processes=1, backend=ctx.backend)
        ctx.log("  -> " + summary(row))
        rows.append(row)
    return rows


def summary(row: dict) -> str:
    if "kib_per_socket" not in row:
        return row.get("error", "?")
    return (
        f"{row['connected']}/{row['count']} in {row['connect_s']:.1f}s (+{row['settle_s']:.1f}s settle), "
        f"{row['kib_per_socket']:.1f} KiB/socket, idle cpu {row['idle_cpu']:.3f}, "
        f"{row['connect_cpu_ms_per_socket']:.2f} ms cpu/connect"
    )
