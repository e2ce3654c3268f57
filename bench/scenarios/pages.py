"""Scenario 5 — pages with 10,000 messages, 2,000 meetups and 5,000 members
in the database: p50/p99 over many sequential requests by a signed-in member
(keep-alive, one at a time: service time, not queueing) — 300 a page, or
as many as fit in 15 s.

/healthz, a view that touches nothing, is measured alongside as the floor:
what Django, the middleware and Daphne cost before a page does any work.
A page whose first answer is not 200 is reported as not available (the
calendar month and member directory are still being built).
"""

import http.client
import time

from bench import harness as H

PAGES = [
    ("floor: /healthz", "/healthz"),
    ("room page (5,000 messages)", "/rooms/fanout/"),
    ("room directory", "/rooms/"),
    ("calendar month", "/meetups/month/"),
    ("member directory", "/members/"),
]


def _get(conn: http.client.HTTPConnection, path: str, cookie: str) -> tuple[int, int]:
    conn.request("GET", path, headers={"Cookie": f"sessionid={cookie}", "Host": f"{H.HOST}"})
    response = conn.getresponse()
    body = response.read()
    return response.status, len(body)


def measure(port: int, cookie: str, requests: int, limit_s: float) -> list[dict]:
    rows = []
    for name, path in PAGES:
        conn = http.client.HTTPConnection(H.HOST, port, timeout=30)
        try:
            status, size = _get(conn, path, cookie)
        except OSError as exc:
            rows.append({"page": name, "path": path, "available": False, "status": f"{type(exc).__name__}"})
            conn.close()
            continue
        if status != 200:
            rows.append({"page": name, "path": path, "available": False, "status": status})
            conn.close()
            continue
        for _ in range(3):
            _get(conn, path, cookie)
        times = []
        start = time.monotonic()
        while len(times) < requests and time.monotonic() - start < limit_s:
            t = time.perf_counter()
            status, size = _get(conn, path, cookie)
            times.append(time.perf_counter() - t)
            if status != 200:
                break
        conn.close()
        rows.append(
            {
                "page": name,
                "path": path,
                "available": True,
                "status": status,
                "bytes": size,
                "requests": len(times),
                "p50_ms": 1000 * H.pct(times, 50),
                "p99_ms": 1000 * H.pct(times, 99),
                "mean_ms": 1000 * sum(times) / len(times),
            }
        )
    return rows


def run(ctx) -> list[dict]:
    ctx.log(f"pages {ctx.backend}")
    servers = H.start("app", ctx.env, ctx.workdir, count=1)
    try:
        rows = measure(servers.ports[0], ctx.seed["sessions"][0], 60 if ctx.quick else 300, 5 if ctx.quick else 15)
    finally:
        servers.stop()
    for row in rows:
        if row["available"]:
            ctx.log(f"  -> {row['page']}: p50 {row['p50_ms']:.1f} ms p99 {row['p99_ms']:.1f} ms ({row['requests']})")
        else:
            ctx.log(f"  -> {row['page']}: not available (HTTP {row['status']})")
        row["backend"] = ctx.backend
    return rows
