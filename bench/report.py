"""Render the results of one run as Markdown: the machine, every figure,
every ratio to the two baselines of the same run, and the goals.

`<stem>.analysis.md` next to `<stem>.json`, when present, is the written
account of what was tried and what it gave; it is appended. Re-render after
editing it: python -m bench.report bench/results/<stem>.json
"""

import json
import sys
from datetime import date
from pathlib import Path

GOALS = {
    "deliveries_per_process": 10_000,
    "p99_ms_1000": 100.0,
    "ratio_raw": 0.25,
    "ratio_plain": 1.5,
    "kib_per_socket": 40.0,
    # Stored messages/s in the 50 × 20 scenario: one process on SQLite, two on
    # PostgreSQL + Redis.
    "stored_per_s": {"embedded": 500, "pg+redis": 1_000},
    "page_p99_ms": 50.0,
    "room_page_p99_ms": 30.0,
    "reconnect_s": 3.0,
    "join_burst_p99_ms": 250.0,
    "soak_mib_per_h": 0.75,
    "matching_s": 10.0,
    "day_members": 2_000,
    "day_p99_ms": 150.0,
}

KIND_NAMES = {
    "raw": "raw websockets (ceiling)",
    "plain": "plain Channels room",
    "app": "**app** (RoomConsumer)",
    "proto:asgi_presence": "prototype: coalesced presence",
    "proto:asgi_hub": "prototype: per-room hub + coalesced presence",
    "plain@BENCH_INMEMORY_LAYER=throttled": "lever: plain Channels, in-memory sweep once a second",
    "app@BENCH_INMEMORY_LAYER=throttled": "lever: app, in-memory sweep once a second",
    "app@WS_CONNECTS_AT_ONCE=100000": "lever: app without its connect gate",
}


def _f(value, digits=0, suffix=""):
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return f"{value:,.{digits}f}{suffix}"
    return str(value)


def _ratio(a, b):
    if a is None or b in (None, 0):
        return None
    return a / b


def _r(value):
    return "—" if value is None else f"{value:.2f}×"


def _table(headers, rows) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return [*out, ""]


def _get(d, *path):
    for key in path:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


def render(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"# Benchmark results — {date.fromisoformat(results['started'][:10]).isoformat()}"
        + (" (quick run)" if results.get("quick") else ""),
        "",
        "Written by `bench/run.py`" + (" --quick" if results.get("quick") else "") + "; how to read it: "
        "bench/README.md. Every figure comes from this run; ratios compare with the baselines measured in the "
        "same run on the same machine, because the machine is shared and absolute figures are noisy.",
        "",
        "## Machine",
        "",
    ]
    lines += _table(
        ["", ""],
        [
            ["CPU", f"{m['cpu']} × {m['cores']} cores"],
            ["Memory", f"{m['memory_gib']} GiB"],
            ["Kernel / Python", f"{m['kernel']} / {m['python']}"],
            ["SQLite / PostgreSQL / Redis", f"{m['sqlite']} / {m['postgresql']} / {m['redis']}"],
            ["Packages", ", ".join(f"{k} {v}" for k, v in m["versions"].items())],
            ["Commit", m["commit"]],
            ["Load average before → after", f"{_load(m.get('load_before'))} → {_load(m.get('load_after'))}"],
            ["Started / wall time", f"{results['started']} / {results.get('wall_s', '?')} s"],
        ],
    )
    for note in results.get("notes", []):
        lines.append(f"> {note}")
        lines.append("")

    backends = _with_raw(results["backends"])
    lines += _goals(results, backends)
    for backend, data in backends.items():
        label = (
            "Embedded default (SQLite WAL, in-memory channel layer, 1 process)"
            if backend == "embedded"
            else (f"PostgreSQL + Redis (Redis list channel layer, {data.get('processes')} processes)")
        )
        lines += [f"## {label}", ""]
        if "fanout" in data:
            lines += _fanout(data["fanout"])
        if "throughput" in data:
            lines += _throughput(data["throughput"])
        if "connections" in data:
            lines += _connections(data["connections"])
        if "reconnect" in data:
            lines += _reconnect(data["reconnect"])
        if "pages" in data:
            lines += _pages(data["pages"])
        if "day" in data:
            lines += _day(data["day"])
        if "join_burst" in data:
            lines += _join_burst(data["join_burst"])
        if "soak" in data:
            lines += _soak(data["soak"])
    if "matching" in results:
        lines += _matching(results["matching"])
    if results.get("analysis"):
        lines += ["## What we tried, what it gave, what is in the way", "", results["analysis"].strip(), ""]
    return "\n".join(lines) + "\n"


def _with_raw(backends: dict) -> dict:
    """The raw server does not depend on the backend, so it is measured once,
    with the embedded default; the other backends' ratios use those rows."""
    raw = {
        name: [r for r in (backends.get("embedded", {}).get(name) or []) if r.get("kind") == "raw"]
        for name in ("fanout", "throughput", "connections", "reconnect")
    }
    out = {}
    for backend, data in backends.items():
        if backend != "embedded":
            data = {k: (v + raw[k] if k in raw and isinstance(v, list) else v) for k, v in data.items()}
        out[backend] = data
    return out


def _load(values):
    return "?" if not values else " ".join(f"{v:.1f}" for v in values)


def _by(rows, kind, **match):
    for row in rows or []:
        if row.get("kind") == kind and all(row.get(k) == v for k, v in match.items()):
            return row
    return None


def _fanout(rows) -> list[str]:
    out = [
        "### 1. Fan-out: one room, N members, one sender",
        "",
        "Capacity: closed loop (a window of messages not yet at every member). Steady: 10,000/N messages/s "
        "(the goal's 10,000 deliveries/s), or half the measured capacity when lower; latency is send → "
        "receipt by the last member. Connect + settle: time to open N sockets and for the room to go quiet "
        "(the app broadcasts presence to the room on every join).",
        "",
    ]
    table = []
    for r in rows:
        c, s = r.get("capacity") or {}, r.get("steady") or {}
        table.append(
            [
                KIND_NAMES.get(r["kind"], r["kind"]),
                r["n"],
                f"{_f(r.get('connect_s'), 1)} + {_f(r.get('settle_s'), 1)} s",
                _f(r.get("setup_frames")),
                _f(c.get("deliveries_per_s")),
                _f(c.get("deliveries_per_s_per_process")),
                _f(c.get("server_cpu"), 2),
                _f(c.get("client_cpu"), 2),
                _f(c.get("deliveries_per_cpu_s")),
                f"{_f(s.get('rate_msgs'), 0)}{'' if s.get('at_goal_rate', True) else ' (below goal)'}",
                _f(s.get("deliveries_per_s")),
                _f(s.get("p50_ms"), 1),
                _f(s.get("p99_ms"), 1),
                _f((c.get("undelivered") or 0) + (s.get("undelivered") or 0)),
                r.get("error", ""),
            ]
        )
    out += _table(
        [
            "server",
            "N",
            "connect + settle",
            "setup frames",
            "capacity deliveries/s",
            "per process",
            "server CPU",
            "client CPU",
            "deliveries per server CPU-s",
            "steady msg/s",
            "steady deliveries/s",
            "p50 ms",
            "p99 ms",
            "undelivered",
            "error",
        ],
        table,
    )
    ratio_rows = []
    for r in rows:
        if r["kind"] in ("raw", "plain"):
            continue
        raw, plain = _by(rows, "raw", n=r["n"]), _by(rows, "plain", n=r["n"])
        ratio_rows.append(
            [
                KIND_NAMES.get(r["kind"], r["kind"]),
                r["n"],
                _r(
                    _ratio(
                        _get(r, "capacity", "deliveries_per_s_per_process"),
                        _get(raw, "capacity", "deliveries_per_s_per_process"),
                    )
                ),
                _r(
                    _ratio(
                        _get(r, "capacity", "deliveries_per_s_per_process"),
                        _get(plain, "capacity", "deliveries_per_s_per_process"),
                    )
                ),
                _r(_ratio(_get(r, "capacity", "deliveries_per_cpu_s"), _get(raw, "capacity", "deliveries_per_cpu_s"))),
                _r(
                    _ratio(_get(r, "capacity", "deliveries_per_cpu_s"), _get(plain, "capacity", "deliveries_per_cpu_s"))
                ),
                _r(_ratio(_get(r, "steady", "p99_ms"), _get(raw, "steady", "p99_ms"))),
                _r(_ratio(_get(r, "steady", "p99_ms"), _get(plain, "steady", "p99_ms"))),
            ]
        )
    out += [
        "Ratios (higher is better for throughput; for p99 a ratio above 1 means slower — each server's p99 is at "
        "its own steady rate, so read it with the steady msg/s column):",
        "",
    ]
    out += _table(
        [
            "server",
            "N",
            "deliveries/s per process ÷ raw",
            "÷ plain Channels",
            "per CPU-s ÷ raw",
            "per CPU-s ÷ plain",
            "p99 ÷ raw",
            "p99 ÷ plain",
        ],
        ratio_rows,
    )
    return out


def _throughput(rows) -> list[str]:
    out = [
        "### 2. Throughput: 50 rooms × 20 members, a sender in every room",
        "",
        "Exact = the socket received exactly the room's stored messages (the app: rows in groups_message; the "
        "baselines store nothing, so: what was sent), once each, in id order. 21 sockets a room (20 members "
        "and the sender).",
        "",
    ]
    table = []
    for r in rows:
        table.append(
            [
                KIND_NAMES.get(r["kind"], r["kind"]),
                _f(r.get("seconds")),
                _f(r.get("stored")),
                _f(r.get("stored_per_s")),
                _f(r.get("deliveries_per_s")),
                _f(r.get("server_cpu"), 2),
                f"{_f(r.get('members_exact'))}/{_f(r.get('members_checked'))}",
                f"{_f(r.get('members_missing'))} / {_f(r.get('members_duplicated'))} / "
                f"{_f(r.get('members_reordered'))}",
                _f(r.get("zero_loss")),
                _f(r.get("sender_errors")),
                r.get("error", "") or (r.get("first_error") or ""),
            ]
        )
    out += _table(
        [
            "server",
            "seconds",
            "stored",
            "stored msg/s",
            "deliveries/s",
            "server CPU",
            "exact sockets",
            "missing / duplicated / reordered",
            "zero loss",
            "error frames",
            "note",
        ],
        table,
    )
    raw, plain = _by(rows, "raw"), _by(rows, "plain")
    ratio_rows = [
        [
            KIND_NAMES.get(r["kind"], r["kind"]),
            _r(_ratio(r.get("stored_per_s"), _get(raw, "stored_per_s"))),
            _r(_ratio(r.get("stored_per_s"), _get(plain, "stored_per_s"))),
        ]
        for r in rows
        if r["kind"] not in ("raw", "plain")
    ]
    out += _table(["server", "msg/s ÷ raw", "msg/s ÷ plain Channels"], ratio_rows)
    return out


def _connections(rows) -> list[str]:
    out = ["### 3. Connections: idle sockets on one process", ""]
    table = [
        [
            KIND_NAMES.get(r["kind"], r["kind"]),
            f"{_f(r.get('connected'))}/{_f(r.get('count'))}",
            f"{_f(r.get('connect_s'), 1)} + {_f(r.get('settle_s'), 1)} s",
            _f(r.get("connect_cpu_ms_per_socket"), 2),
            _f(r.get("setup_frames")),
            f"{_f(r.get('rss_before_mib'), 0)} → {_f(r.get('rss_after_mib'), 0)}",
            _f(r.get("kib_per_socket"), 1),
            _f(r.get("idle_cpu"), 3),
            r.get("error", ""),
        ]
        for r in rows
    ]
    out += _table(
        [
            "server",
            "sockets",
            "connect + settle",
            "CPU ms per connect",
            "setup frames",
            "RSS MiB",
            "KiB per socket",
            "idle CPU (cores)",
            "error",
        ],
        table,
    )
    raw, plain = _by(rows, "raw"), _by(rows, "plain")
    out += _table(
        ["server", "KiB/socket ÷ raw", "÷ plain Channels", "CPU per connect ÷ raw", "÷ plain Channels"],
        [
            [
                KIND_NAMES.get(r["kind"], r["kind"]),
                _r(_ratio(r.get("kib_per_socket"), _get(raw, "kib_per_socket"))),
                _r(_ratio(r.get("kib_per_socket"), _get(plain, "kib_per_socket"))),
                _r(_ratio(r.get("connect_cpu_ms_per_socket"), _get(raw, "connect_cpu_ms_per_socket"))),
                _r(_ratio(r.get("connect_cpu_ms_per_socket"), _get(plain, "connect_cpu_ms_per_socket"))),
            ]
            for r in rows
            if r["kind"] not in ("raw", "plain")
        ],
    )
    return out


def _reconnect(rows) -> list[str]:
    out = [
        "### 4. Reconnect storm: 1,000 members drop and reconnect with ?after=",
        "",
        "The baselines have no resume: their figure is the bare reconnect of 1,000 sockets.",
        "",
    ]
    table = [
        [
            KIND_NAMES.get(r["kind"], r["kind"]),
            f"{_f(r.get('reconnected'))}/{_f(r.get('members'))}",
            _f(r.get("missed_per_member")),
            _f(r.get("reconnect_s"), 2),
            _f(r.get("all_caught_up_s"), 2) if r.get("reconnected") else "—",
            _f(r.get("p50_s"), 2),
            _f(r.get("p99_s"), 2),
            _f(r.get("server_cpu_s"), 1),
            r.get("error", "") or r.get("first_connect_note", "") or ("; ".join(r.get("errors") or [])),
        ]
        for r in rows
    ]
    out += _table(
        [
            "server",
            "reconnected",
            "missed each",
            "all sockets back (s)",
            "all caught up (s)",
            "p50 member (s)",
            "p99 member (s)",
            "server CPU s",
            "note",
        ],
        table,
    )
    raw, plain = _by(rows, "raw"), _by(rows, "plain")
    out += _table(
        ["server", "caught up ÷ raw reconnect", "÷ plain Channels reconnect"],
        [
            [
                KIND_NAMES.get(r["kind"], r["kind"]),
                _r(_ratio(r.get("all_caught_up_s"), _get(raw, "all_caught_up_s"))),
                _r(_ratio(r.get("all_caught_up_s"), _get(plain, "all_caught_up_s"))),
            ]
            for r in rows
            if r["kind"] not in ("raw", "plain")
        ],
    )
    return out


def _pages(rows) -> list[str]:
    out = [
        "### 5. Pages (10,000 messages, 2,000 meetups, 5,051 members)",
        "",
        "Sequential keep-alive requests by a signed-in member. The floor is /healthz.",
        "",
    ]
    floor = next((r for r in rows if r["path"] == "/healthz" and r.get("available")), None)
    table = []
    for r in rows:
        if not r.get("available"):
            table.append([r["page"], r["path"], f"not available (HTTP {r.get('status')})", "", "", "", "", ""])
            continue
        table.append(
            [
                r["page"],
                r["path"],
                _f(r.get("requests")),
                _f(r.get("bytes")),
                _f(r.get("p50_ms"), 1),
                _f(r.get("p99_ms"), 1),
                _r(_ratio(r.get("p50_ms"), _get(floor, "p50_ms"))),
                "yes"
                if r.get("p99_ms", 1e9) <= GOALS["page_p99_ms"]
                else f"no (+{r['p99_ms'] - GOALS['page_p99_ms']:.0f} ms)",
            ]
        )
    out += _table(["page", "path", "requests", "bytes", "p50 ms", "p99 ms", "p50 ÷ floor", "p99 ≤ 50 ms"], table)
    return out


def _day_capacity(rows, kind):
    """The largest step on one process whose p99 send → every member held
    (bench/scenarios/community_day.py); 0 when none did, None if not run."""
    mine = [r for r in rows or [] if r.get("kind") == kind and r.get("processes") == 1]
    if not mine:
        return None
    return max((r["n"] for r in mine if r.get("ok")), default=0)


def _day(rows) -> list[str]:
    if rows and all((r.get("processes") or 1) > 1 for r in rows):
        return _day_table(
            rows,
            [
                "### 7. Community day: members online across 100 rooms, mixed traffic",
                "",
                "The same mix as on one process, with the members online over the processes (every room's "
                "sockets alternate between them): those that connected within the time, for one short step.",
                "",
            ],
        )
    return _day_table(
        rows,
        [
            "### 7. Community day: members online across 100 rooms, mixed traffic",
            "",
            "Half the members online (up to 1,000) in the big room, the rest over 99 small rooms (5–50 online at "
            "2,000). Per member: one message per 10 minutes, plus a 10-message burst in the big room every 20 s; "
            "typing before half the sends; `read` at most every 3 s from the half whose page is in front; N/1,000 "
            "members a second drop and come back 1–3 s later with `?after_seq=`; N/1,000 page loads a second (room "
            "page, room directory, calendar month). Latency is send → receipt by *every* member of the room online "
            "at the send. One process: the members online grow in steps, each measured for a short fixed time; "
            "the starred row is the community day itself. The plain Channels room runs the same sockets, sends, "
            "typing and churn (no resume, read markers or pages). With few messages a step, p99 is about the "
            "slowest message of the step.",
            "",
        ],
    )


def _day_table(rows, out) -> list[str]:
    table = []
    for r in rows:
        small = r.get("small_rooms_online")
        verdict = "—" if r.get("p99_ms") is None else ("yes" if r.get("ok") else "no")
        table.append(
            [
                KIND_NAMES.get(r["kind"], r["kind"]),
                f"{_f(r.get('online', r.get('n')))}{' ★' if r.get('main') else ''}",
                _f(r.get("processes")),
                f"{_f(r.get('big_room'))} + {small[0]}–{small[1]}" if small else "—",
                f"{_f(r.get('connect_s'), 1)} + {_f(r.get('settle_s'), 1)} s",
                _f(r.get("seconds")),
                _f(r.get("messages")),
                _f(r.get("p50_ms"), 1),
                _f(r.get("p99_ms"), 1),
                _f(r.get("max_ms"), 1),
                _f(r.get("deliveries_per_s")),
                f"{_f(r.get('frames_per_s'))} / {_f(r.get('mib_per_s'), 1)}",
                f"{_f(r.get('churned'))} / {_f(r.get('reads'))} / {_f(r.get('typing'))}",
                f"{_f(r.get('page_requests'))}: {_f(r.get('page_p50_ms'), 0)} / {_f(r.get('page_p99_ms'), 0)}"
                if r.get("page_requests")
                else "—",
                _f(r.get("server_cpu"), 2),
                _f(r.get("client_cpu"), 2),
                f"{_f(r.get('undelivered'))} / {_f(r.get('resume_gaps'))}",
                _f((r.get("error_frames") or 0) + (r.get("page_error_count") or 0) + (r.get("reconnect_failed") or 0)),
                verdict,
                "; ".join(
                    x
                    for x in [
                        r.get("error", "") or (r.get("first_error") or ""),
                        r.get("note", ""),
                        "mix " + ", ".join(f"{k}×{v:g}" for k, v in r["mix"].items()) if r.get("mix") else "",
                    ]
                    if x
                ),
            ]
        )
    out += _table(
        [
            "server",
            "online",
            "processes",
            "big room + small rooms",
            "connect + settle",
            "seconds",
            "messages",
            "p50 ms",
            "p99 ms",
            "max ms",
            "deliveries/s",
            "frames/s / MiB/s received",
            "churned / reads / typing",
            "pages: n: p50 / p99 ms",
            "server CPU",
            "client CPU",
            "undelivered / resume gaps",
            "errors",
            "p99 ≤ 150 ms",
            "note",
        ],
        table,
    )
    caps = []
    for kind in dict.fromkeys(r["kind"] for r in rows):
        cap = _day_capacity(rows, kind)
        if cap is not None:
            steps = ", ".join(f"{r['n']:,}" for r in rows if r.get("kind") == kind and r.get("processes") == 1)
            caps.append([KIND_NAMES.get(kind, kind), f"{cap:,}" if cap else "none of the steps", steps])
    if caps:
        out += ["Capacity: members online on one process while p99 send → every member ≤ 150 ms.", ""]
        out += _table(["server", "capacity", "steps measured"], caps)
    mains = [r for r in rows if r.get("main") and r.get("pages")]
    page_rows = []
    for r in mains:
        for kind, p in r["pages"].items():
            page_rows.append(
                [
                    KIND_NAMES.get(r["kind"], r["kind"]),
                    f"{_f(r.get('online'))} on {r.get('processes')}",
                    kind,
                    _f(p.get("requests")),
                    _f(p.get("p50_ms"), 1),
                    _f(p.get("p99_ms"), 1),
                ]
            )
    if page_rows:
        out += ["Page loads under the community day's load:", ""]
        out += _table(["server", "online", "page", "requests", "p50 ms", "p99 ms"], page_rows)
    app = next((r for r in rows if r.get("main") and r["kind"] == "app"), None)
    plain = next(
        (
            r
            for r in rows
            if r.get("main") and r["kind"] == "plain" and r.get("processes") == (app or {}).get("processes")
        ),
        None,
    )
    if app and plain:
        out += [f"At {_f(app.get('n'))} online (below 1 the app is faster):", ""]
        out += _table(
            ["server", "p50 ÷ plain Channels", "p99 ÷ plain Channels", "capacity ÷ plain"],
            [
                [
                    KIND_NAMES["app"],
                    _r(_ratio(app.get("p50_ms"), plain.get("p50_ms"))),
                    _r(_ratio(app.get("p99_ms"), plain.get("p99_ms"))),
                    _r(_ratio(_day_capacity(rows, "app"), _day_capacity(rows, "plain"))),
                ]
            ],
        )
    return out


def _join_burst(rows) -> list[str]:
    out = [
        "### 8. Join burst: 200 sockets connect at once while 20 rooms talk",
        "",
        "420 sockets in 20 rooms; their senders post 20 messages a second between them. After 5 s, 200 members "
        "of the fan-out room connect at once (200 handshakes in flight). Latency is send → every socket of the "
        "room (its 20 members and the sender's own copy), for messages sent before the burst and while it "
        "connects. `app@WS_CONNECTS_AT_ONCE=100000` is the app without its connect gate.",
        "",
    ]
    table = [
        [
            KIND_NAMES.get(r["kind"], r["kind"]),
            f"{_f(r.get('joiners'))}/200",
            _f(r.get("join_s"), 1),
            _f(r.get("before_p50_ms")),
            _f(r.get("before_p99_ms")),
            _f(r.get("during_n")),
            _f(r.get("during_p50_ms")),
            _f(r.get("during_p99_ms")),
            _f(r.get("during_max_ms")),
            _f(r.get("undelivered")),
            r.get("error", ""),
        ]
        for r in rows
    ]
    out += _table(
        [
            "server",
            "joined",
            "join time (s)",
            "before p50 ms",
            "before p99 ms",
            "messages during",
            "during p50 ms",
            "during p99 ms",
            "during max ms",
            "undelivered",
            "error",
        ],
        table,
    )
    return out


def _soak(rows) -> list[str]:
    out = [
        "### 9. Soak: hours of churn on one process",
        "",
        "300 sockets in 20 rooms, 20 reconnects a second with ?after=, 10 messages a second, and 200 sockets "
        "joining the fan-out room every minute for 30 s. Resident memory and descriptors sampled every 10 s; the "
        "growth rate is a least-squares slope over the time after the first hour (or the first half, if shorter).",
        "",
    ]
    table = [
        [
            KIND_NAMES.get(r["kind"], r["kind"]),
            _f(r.get("minutes")),
            _f(r.get("rss_start_mib"), 1),
            _f(r.get("rss_after_warm_up_mib"), 1),
            _f(r.get("rss_end_mib"), 1),
            _f(r.get("growth_after_warm_up_mib_per_h"), 2),
            f"{_f(r.get('fds_idle'))} / {_f(r.get('fds_baseline'))} / {_f(r.get('fds_peak'))} / "
            f"{_f(r.get('fds_after'))}",
            _f(r.get("messages_stored")),
            _f(r.get("reconnect_failures")),
            r.get("error", ""),
        ]
        for r in rows
    ]
    out += _table(
        [
            "server",
            "minutes",
            "RSS start MiB",
            "after warm-up MiB",
            "end MiB",
            "growth after warm-up MiB/h",
            "fds idle / 320 open / peak / after",
            "messages",
            "failed reconnects",
            "error",
        ],
        table,
    )
    return out


def _matching(row) -> list[str]:
    out = ["## 6. Bulk mentor matching: 2,000 requests × 500 mentors", ""]
    if not row.get("available"):
        return [*out, row.get("detail", "not available yet"), ""]
    if row.get("error"):
        return [*out, f"Failed: {row['error']}", ""]
    seconds = row.get("seconds")
    verdict = "met" if seconds is not None and seconds <= GOALS["matching_s"] else "missed"
    return [
        *out,
        f"{_f(seconds, 2)} s for {row.get('requests')} requests × {row.get('mentors')} mentors "
        f"(bench/bench_matching.py; goal ≤ 10 s: {verdict}).",
        "",
    ]


def _goals(results, backends) -> list[str]:
    rows = []
    for backend, data in backends.items():
        fan = data.get("fanout") or []
        app = _by(fan, "app", n=1000)
        raw, plain = _by(fan, "raw", n=1000), _by(fan, "plain", n=1000)
        if app and "capacity" not in app:
            rows.append(
                [
                    backend,
                    "fan-out to 1,000 members (deliveries/s, p99, ratios)",
                    "—",
                    "",
                    f"**not measurable**: {app.get('error', '?')}",
                ]
            )
            app100 = _by(fan, "app", n=100)
            if app100 and "capacity" in app100:
                per = _get(app100, "capacity", "deliveries_per_s_per_process")
                rows.append(
                    _goal(
                        backend,
                        "deliveries/s per process at N=100 (largest room reached)",
                        per,
                        GOALS["deliveries_per_process"],
                        True,
                    )
                )
                rows.append(
                    _goal(
                        backend,
                        "÷ raw websockets at N=100",
                        _ratio(per, _get(_by(fan, "raw", n=100), "capacity", "deliveries_per_s_per_process")),
                        GOALS["ratio_raw"],
                        True,
                        ratio=True,
                    )
                )
                rows.append(
                    _goal(
                        backend,
                        "÷ plain Channels room at N=100",
                        _ratio(per, _get(_by(fan, "plain", n=100), "capacity", "deliveries_per_s_per_process")),
                        GOALS["ratio_plain"],
                        True,
                        ratio=True,
                    )
                )
        elif app:
            per = _get(app, "capacity", "deliveries_per_s_per_process")
            rows.append(
                _goal(backend, "deliveries/s per process (N=1,000)", per, GOALS["deliveries_per_process"], True)
            )
            p99 = _get(app, "steady", "p99_ms")
            at_goal = _get(app, "steady", "at_goal_rate")
            rows.append(
                _goal(
                    backend,
                    "p99 to the last of 1,000 members (ms)"
                    + ("" if at_goal or at_goal is None else " — at a rate below the goal's"),
                    p99,
                    GOALS["p99_ms_1000"],
                    False,
                )
            )
            rows.append(
                _goal(
                    backend,
                    "÷ raw websockets (deliveries/s, N=1,000)",
                    _ratio(per, _get(raw, "capacity", "deliveries_per_s_per_process")),
                    GOALS["ratio_raw"],
                    True,
                    ratio=True,
                )
            )
            rows.append(
                _goal(
                    backend,
                    "÷ plain Channels room (deliveries/s, N=1,000)",
                    _ratio(per, _get(plain, "capacity", "deliveries_per_s_per_process")),
                    GOALS["ratio_plain"],
                    True,
                    ratio=True,
                )
            )
        conn = _by(data.get("connections"), "app")
        if conn and conn.get("connected") != conn.get("count"):
            rows.append(
                [
                    backend,
                    f"KiB per idle socket ({conn.get('count'):,})",
                    "—",
                    "≤ 40",
                    f"**not measurable**: only {conn.get('connected')} of {conn.get('count')} sockets "
                    f"connected in {_f(conn.get('connect_s'), 0)} s "
                    f"({_f(conn.get('connect_cpu_ms_per_socket'), 0)} ms of server CPU per connect)",
                ]
            )
        elif conn and conn.get("count") == 5000:
            rows.append(
                _goal(
                    backend, "KiB per idle socket (5,000)", conn.get("kib_per_socket"), GOALS["kib_per_socket"], False
                )
            )
        elif conn:
            rows.append(
                _goal(
                    backend,
                    f"KiB per idle socket ({conn.get('count')}, quick run)",
                    conn.get("kib_per_socket"),
                    GOALS["kib_per_socket"],
                    False,
                )
            )
        tp = _by(data.get("throughput"), "app")
        if tp:
            rows.append(
                _goal(
                    backend,
                    "stored messages/s, 50 × 20",
                    tp.get("stored_per_s"),
                    GOALS["stored_per_s"].get(backend, 1_000),
                    True,
                )
            )
            if "zero_loss" not in tp:
                why = str(tp.get("error", "?"))[:60]
                rows.append([backend, "zero loss in scenario 2", "—", "yes", f"not measured: {why}"])
            else:
                rows.append(
                    [
                        backend,
                        "zero loss in scenario 2",
                        _f(tp.get("zero_loss")),
                        "yes",
                        "met" if tp.get("zero_loss") else "**missed**",
                    ]
                )
        for page in data.get("pages") or []:
            if page.get("available") and page["path"] != "/healthz":
                limit = GOALS["room_page_p99_ms"] if page["page"].startswith("room page") else GOALS["page_p99_ms"]
                rows.append(_goal(backend, f"p99 {page['page']} (ms)", page.get("p99_ms"), limit, False))
        app_rc = _by(data.get("reconnect") or [], "app")
        if app_rc:
            rows.append(
                _goal(
                    backend,
                    "reconnect storm: 1,000 members all caught up (s)",
                    app_rc.get("all_caught_up_s"),
                    GOALS["reconnect_s"],
                    False,
                )
            )
        burst = _by(data.get("join_burst") or [], "app")
        if burst:
            rows.append(
                _goal(
                    backend,
                    "p99 delivery to others while 200 sockets join at once (ms)",
                    burst.get("during_p99_ms"),
                    GOALS["join_burst_p99_ms"],
                    False,
                )
            )
        soak = _by(data.get("soak") or [], "app")
        if soak:
            rows.append(
                _goal(
                    backend,
                    f"memory growth after the first {_f(soak.get('warm_up_min'))} min of a "
                    f"{_f(soak.get('minutes'))}-minute churn (MiB/h)",
                    soak.get("growth_after_warm_up_mib_per_h"),
                    GOALS["soak_mib_per_h"],
                    False,
                )
            )
        day = data.get("day") or []
        cap = _day_capacity(day, "app")
        name = "community day: members on one process at p99 ≤ 150 ms"
        if cap == 0:
            first = next((r for r in day if r.get("kind") == "app" and r.get("processes") == 1), {})
            why = first.get("error") or f"p99 {_f(first.get('p99_ms'), 0)} ms at {_f(first.get('n'))} online"
            rows.append([backend, name, "0", f"≥ {GOALS['day_members']:,}", f"**missed**: no step held ({why})"])
        elif cap is not None:
            rows.append(_goal(backend, name, cap, GOALS["day_members"], True))
        for r in day:
            if r.get("kind") == "app" and r.get("main") and r.get("processes", 1) > 1:
                rows.append(
                    _goal(
                        backend,
                        f"community day: p99 send → every member, {_f(r.get('online', r.get('n')))} online on "
                        f"{r['processes']} processes (ms)",
                        r.get("p99_ms"),
                        GOALS["day_p99_ms"],
                        False,
                    )
                )
    match = results.get("matching")
    if match and match.get("available") and match.get("seconds") is not None:
        rows.append(_goal("—", "bulk matching (s)", match["seconds"], GOALS["matching_s"], False))
    elif match:
        rows.append(["—", "bulk matching (s)", match.get("detail") or match.get("error", "?"), "≤ 10", "—"])
    return ["## Goals", "", *_table(["backend", "goal", "measured", "target", "verdict"], rows)]


def _goal(backend, name, value, target, higher_is_better, ratio=False):
    if value is None:
        return [backend, name, "—", _target(target, higher_is_better, ratio), "not measured"]
    met = value >= target if higher_is_better else value <= target
    if met:
        verdict = "met"
    elif higher_is_better:
        verdict = f"**missed**: {value / target:.0%} of the target ({target / value:.1f}× short)"
    else:
        verdict = f"**missed**: {value / target:.1f}× the limit"
    shown = f"{value:.2f}×" if ratio else _f(value, 1 if value < 100 else 0)
    return [backend, name, shown, _target(target, higher_is_better, ratio), verdict]


def _target(target, higher, ratio):
    t = f"{target:.2f}×" if ratio else _f(target, 0 if float(target).is_integer() else 2)
    return ("≥ " if higher else "≤ ") + t


def write(json_path: Path) -> Path:
    results = json.loads(json_path.read_text())
    analysis = json_path.with_suffix(".analysis.md")
    if analysis.exists():
        results["analysis"] = analysis.read_text()
    md = json_path.with_suffix(".md")
    md.write_text(render(results))
    return md


if __name__ == "__main__":
    print(write(Path(sys.argv[1])))
