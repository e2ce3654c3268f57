"""Run the benchmarks and write bench/results/<YYYY-MM-DD>.md (and .json).

    python bench/run.py [--quick] [--only NAME[,NAME]] [--backend embedded|pg|both]

Scenarios: fanout, throughput, connections, reconnect, pages, day, matching.
Everything runs on 127.0.0.1, every loop is bounded in count and time. The
wall time of each part is logged at the end and kept in the results
(`timings`); bench/README.md lists what was measured.

Backends: the embedded default (SQLite in WAL mode, in-memory channel layer,
one process) and, when PostgreSQL and Redis answer, PostgreSQL + Redis with
two processes (BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/
alumni_bench — the database is dropped and re-created; BENCH_REDIS_URL,
default redis://127.0.0.1:6379/5). Both are migrated and seeded at once,
before anything is measured.
"""

import argparse
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness as H
from bench import report

# The goals are at N=1,000: by default only N=1,000 runs, and N=100 only
# when 1,000 could not be measured (the goals fall back to it then).
# N=10 measured the storing path, which scenario 2 (throughput) measures
# too. --sizes 10,100,1000 runs them all, as before.
DEFAULT_SIZES = [1000]
FALLBACK_SIZE = 100
QUICK_SIZES = [100]
SCENARIOS = ["fanout", "throughput", "connections", "reconnect", "pages", "day", "joinburst", "matching"]
# Run only when named (--only soak): it lasts as long as --soak-minutes says.
EXTRA_SCENARIOS = ["soak"]
T0 = time.monotonic()
TIMINGS: list[tuple[str, float]] = []  # (what, seconds), logged at the end and kept in the results


def log(message: str) -> None:
    print(f"[{time.monotonic() - T0:6.1f}s] {message}", flush=True)


class timed:
    """with timed("fanout embedded"): ... — adds the wall time to TIMINGS."""

    def __init__(self, what: str):
        self.what = what

    def __enter__(self):
        self.t = time.monotonic()

    def __exit__(self, *exc):
        TIMINGS.append((self.what, round(time.monotonic() - self.t, 1)))


@dataclass
class Ctx:
    backend: str
    env: dict
    procs: int
    workdir: Path
    quick: bool
    seed: dict = field(default_factory=dict)
    sqlite_path: Path | None = None
    pg_url: str | None = None

    def log(self, message: str) -> None:
        log(message)

    def db(self):
        """A DB-API connection to the benchmark database, for checks."""
        if self.sqlite_path is not None:
            import sqlite3

            return sqlite3.connect(self.sqlite_path)
        import psycopg

        return psycopg.connect(self.pg_url)

    def sql(self, query: str) -> str:
        """`query` with ? placeholders, in this database's parameter style."""
        return query if self.sqlite_path is not None else query.replace("?", "%s")


def base_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "TEST_DATABASE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings_bench",
        PYTHONPATH=str(H.ROOT),
        PYTHONUNBUFFERED="1",
        DEBUG="0",
        SECRET_KEY="bench-" + secrets.token_urlsafe(40),
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        REQUIRE_MFA_FOR_STAFF="0",
        EMAIL_URL="locmem://",
        TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
        LOG_LEVEL="WARNING",
        # One sender posts thousands of messages a second here; the per-member
        # limit is a product rule, not what these scenarios measure.
        RATE_LIMIT_BURST="1000000",
        RATE_LIMIT_PER_MINUTE="1000000000",
    )
    return env


def manage(ctx: Ctx, *args: str) -> None:
    subprocess.run([H.PY, "manage.py", *args], cwd=H.ROOT, env=ctx.env, check=True, stdout=subprocess.DEVNULL)


def prepare(ctx: Ctx) -> None:
    ctx.log(f"{ctx.backend}: migrate and seed (5,051 members, 10,000 messages, 2,000 meetups, 250 rooms)")
    t = time.monotonic()
    manage(ctx, "migrate", "--noinput", "-v0")
    migrated = time.monotonic() - t
    seed_path = ctx.workdir / "seed.json"
    subprocess.run([H.PY, "-m", "bench.seed", str(seed_path)], cwd=H.ROOT, env=ctx.env, check=True)
    ctx.seed = json.loads(seed_path.read_text())
    ctx.log(f"{ctx.backend}: migrated in {migrated:.1f} s, seeded in {time.monotonic() - t - migrated:.1f} s")


def embedded_ctx(workdir: Path, quick: bool) -> Ctx:
    env = base_env()
    path = workdir / "embedded.sqlite3"
    env["SQLITE_PATH"] = str(path)
    return Ctx("embedded", env, 1, workdir, quick, sqlite_path=path)


def services_up(pg_url: str, redis_url: str) -> str | None:
    """None when both answer, else why not."""
    try:
        import psycopg

        u = urlparse(pg_url)
        with psycopg.connect(pg_url.replace(u.path, "/postgres"), connect_timeout=3):
            pass
        import redis

        redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def pg_ctx(workdir: Path, quick: bool, pg_url: str, redis_url: str) -> Ctx:
    import psycopg
    import redis

    u = urlparse(pg_url)
    name = u.path.lstrip("/")
    if name in {"test", "test_test", "chatpass", "postgres"}:
        raise SystemExit(f"refusing to drop database {name!r}: pick another BENCH_POSTGRES_URL")
    with psycopg.connect(pg_url.replace(u.path, "/postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    client = redis.from_url(redis_url)
    # Presence keys are not prefixed: clear what an earlier run left in this db.
    for key in client.scan_iter("presence:*", count=1000):
        client.delete(key)
    prefix = f"bench{os.getpid()}{secrets.token_hex(3)}"
    env = base_env()
    env.update(DATABASE_URL=pg_url, REDIS_URL=redis_url, CHANNEL_PREFIX=prefix, CACHE_PREFIX=prefix)
    return Ctx("pg+redis", env, 2, workdir, quick, pg_url=pg_url)


def machine() -> dict:
    def first(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=5).stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "?"

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]
    versions = {}
    for dist in [
        "Django",
        "channels",
        "channels-redis",
        "daphne",
        "Twisted",
        "autobahn",
        "websockets",
        "psycopg",
        "redis",
    ]:
        try:
            from importlib.metadata import version

            versions[dist] = version(dist)
        except Exception:
            versions[dist] = "?"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=H.ROOT, capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = "?"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(int(mem) / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": __import__("sqlite3").sqlite_version,
        "postgresql": first(["psql", "--version"]),
        "redis": " ".join(first(["redis-server", "--version"]).split()[:3]),
        "versions": versions,
        "commit": commit,
        "load_before": os.getloadavg(),
    }


def run_backend(
    ctx: Ctx,
    only: list[str],
    results: dict,
    sizes: list[int],
    kinds: list[str],
    soak_minutes: float = 120,
    explicit: tuple[str, ...] = (),
) -> None:
    """The raw websockets server does not depend on the backend: it runs with
    the embedded default only, and the PostgreSQL + Redis ratios use it too.
    Prototypes run when named (--kinds proto:asgi_hub --only fanout adds
    them to today's file). `ctx` is prepared (migrated and seeded)."""
    from bench.scenarios import community_day, connections, fanout, join_burst, pages, reconnect, soak, throughput

    out = results["backends"].setdefault(ctx.backend, {"processes": ctx.procs})
    if ctx.backend != "embedded":
        kinds = [k for k in kinds if k != "raw"]
    b = ctx.backend
    if "fanout" in only:
        with timed(f"fanout {b}"):
            rows = fanout.run(ctx, kinds, sizes)
            if sizes == DEFAULT_SIZES and any(r.get("kind") == "app" and "capacity" not in r for r in rows):
                # 1,000 could not be measured: the goals fall back to N=100.
                rows = fanout.run(ctx, kinds, [FALLBACK_SIZE]) + rows
            out["fanout"] = rows
    if "throughput" in only:
        with timed(f"throughput {b}"):
            out["throughput"] = throughput.run(ctx, kinds)
    if "connections" in only and ctx.backend == "embedded":
        # Idle sockets on one process: the second backend adds nothing here.
        with timed(f"connections {b}"):
            out["connections"] = connections.run(ctx, kinds, 1000 if ctx.quick else 5000)
    if "reconnect" in only:
        with timed(f"reconnect {b}"):
            out["reconnect"] = reconnect.run(ctx, kinds)
    if "pages" in only:
        with timed(f"pages {b}"):
            try:
                out["pages"] = pages.run(ctx)
            except Exception as exc:
                out["pages"] = [
                    {"page": "all", "path": "", "available": False, "status": f"{type(exc).__name__}: {exc}"}
                ]
    if "day" in only:
        with timed(f"day {b}"):
            out["day"] = community_day.run(ctx, kinds)
    if "joinburst" in only and ctx.backend == "embedded" and not (ctx.quick and "joinburst" not in explicit):
        # One process, where a burst of connects competes with everyone's messages.
        with timed(f"join burst {b}"):
            burst_kinds = [k for k in kinds if H.base(k) in ("plain", "app")]
            if "app" in burst_kinds and not ctx.quick:
                burst_kinds.append("app@WS_CONNECTS_AT_ONCE=100000")
            out["join_burst"] = join_burst.run(ctx, burst_kinds)
    if "soak" in only and ctx.backend == "embedded":
        with timed(f"soak {b}"):
            out["soak"] = soak.run(ctx, kinds, soak_minutes)


def prepare_all(ctxs: list[Ctx]) -> None:
    """Migrate and seed every backend at once: nothing is measured yet, and
    the two databases' work shares the cores better than one after the other."""
    from concurrent.futures import ThreadPoolExecutor

    with timed("migrate and seed"), ThreadPoolExecutor(max_workers=len(ctxs) or 1) as pool:
        for future in [pool.submit(prepare, ctx) for ctx in ctxs]:
            future.result()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a ~3-minute smoke run with smaller counts")
    parser.add_argument(
        "--only", default="", help="comma-separated scenarios: " + ", ".join(SCENARIOS + EXTRA_SCENARIOS)
    )
    parser.add_argument("--soak-minutes", type=float, default=120, help="length of the soak scenario (default 120)")
    parser.add_argument("--backend", choices=["embedded", "pg", "both"], help="default both; --quick: embedded")
    parser.add_argument("--out", default=str(H.ROOT / "bench" / "results"), help="results folder")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (server logs)")
    parser.add_argument("--sizes", help="fan-out room sizes (default 1000, and 100 if 1000 fails; quick 100)")
    parser.add_argument(
        "--kinds",
        help="servers: raw, plain, app and prototypes proto:asgi_presence, proto:asgi_hub (default raw,plain,app)",
    )
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")] if args.sizes else (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    kinds_arg = args.kinds or "raw,plain,app"
    kinds = [k.strip() for k in kinds_arg.split(",") if k.strip()]
    explicit = [s.strip() for s in args.only.split(",") if s.strip()]
    # --quick leaves out the join burst unless named (it keeps --quick under 3 minutes).
    only = explicit or SCENARIOS
    args.backend = args.backend or ("embedded" if args.quick else "both")
    unknown = set(only) - set(SCENARIOS) - set(EXTRA_SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    H.raise_nofile()

    started = datetime.now(UTC)
    results = {
        "started": started.isoformat(timespec="seconds"),
        "quick": args.quick,
        "only": only,
        "machine": machine(),
        "backends": {},
        "notes": [],
    }
    workdir = Path(tempfile.mkdtemp(prefix="alumni-bench-"))
    log(f"work folder {workdir}")
    try:
        ctxs = []
        if args.backend in ("embedded", "both") and set(only) - {"matching"}:
            (workdir / "embedded").mkdir()
            ctxs.append(embedded_ctx(workdir / "embedded", args.quick))
        if args.backend in ("pg", "both") and set(only) - {"matching"}:
            pg_url = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/alumni_bench")
            redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
            why = services_up(pg_url, redis_url)
            if why:
                results["notes"].append(f"PostgreSQL + Redis skipped: not reachable ({why}).")
                log(f"PostgreSQL + Redis not reachable, skipped: {why}")
            else:
                (workdir / "pg").mkdir()
                ctxs.append(pg_ctx(workdir / "pg", args.quick, pg_url, redis_url))
        prepare_all(ctxs)
        for ctx in ctxs:
            run_backend(ctx, only, results, sizes, kinds, args.soak_minutes, tuple(explicit))
        if "matching" in only:
            from bench.scenarios import matching

            with timed("matching"):
                results["matching"] = matching.run(log)
    finally:
        results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
        results["wall_s"] = round(time.monotonic() - T0, 1)
        results["timings"] = dict(TIMINGS)
        log("wall time by part: " + ", ".join(f"{what} {secs:.0f}s" for what, secs in TIMINGS))
        results["machine"]["load_after"] = os.getloadavg()
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        stem = date.today().isoformat() + ("-quick" if args.quick else "")
        if set(only) != set(SCENARIOS) and (out / f"{stem}.json").exists():
            results = merge(json.loads((out / f"{stem}.json").read_text()), results)
        (out / f"{stem}.json").write_text(json.dumps(results, indent=1, default=str))
        report.write(out / f"{stem}.json")
        log(f"wrote {out / (stem + '.md')}")
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def _row_key(row: dict) -> tuple:
    return row.get("kind"), row.get("n"), row.get("path")


def merge(earlier: dict, now: dict) -> dict:
    """A partial run (--only) replaces its scenarios in today's results and
    keeps the rest, noting which scenarios were re-run when."""
    for backend, data in now["backends"].items():
        target = earlier["backends"].setdefault(backend, {})
        for name, rows in data.items():
            if not isinstance(rows, list) or not isinstance(target.get(name), list):
                target[name] = rows
                continue
            # Rows of the same server (and room size) are replaced, others kept.
            fresh = {_row_key(r) for r in rows}
            target[name] = [r for r in target[name] if _row_key(r) not in fresh] + rows
    if "matching" in now:
        earlier["matching"] = now["matching"]
    earlier.setdefault("notes", []).append(
        f"Re-run at {now['started']}: {', '.join(now['only'])} (load average "
        f"{' '.join(f'{v:.1f}' for v in now['machine']['load_before'])})."
    )
    earlier["notes"] += now["notes"]
    return earlier


if __name__ == "__main__":
    main()
