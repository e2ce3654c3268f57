"""Run the benchmarks and write bench/results/<YYYY-MM-DD>.md (and .json).

    python bench/run.py [--quick] [--only NAME[,NAME]] [--backend embedded|pg|both]

Scenarios: fanout, throughput, connections, reconnect, pages, matching.
Everything runs on 127.0.0.1, every loop is bounded in count and time; the
full run took 9 minutes on a quiet 2-core machine (15–17 loaded), --quick (embedded only,
smaller counts) about 5–6 (measured 5.8 on a loaded 2-core machine).

Backends: the embedded default (SQLite in WAL mode, in-memory channel layer,
one process) and, when PostgreSQL and Redis answer, PostgreSQL + Redis with
two processes (BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/
alumni_bench — the database is dropped and re-created; BENCH_REDIS_URL,
default redis://127.0.0.1:6379/5).
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

DEFAULT_SIZES = [10, 100, 1000]
SCENARIOS = ["fanout", "throughput", "connections", "reconnect", "pages", "matching"]
T0 = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - T0:6.1f}s] {message}", flush=True)


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
    ctx.log(f"{ctx.backend}: migrate and seed (5,051 members, 10,000 messages, 2,000 meetups)")
    manage(ctx, "migrate", "--noinput", "-v0")
    seed_path = ctx.workdir / "seed.json"
    subprocess.run([H.PY, "-m", "bench.seed", str(seed_path)], cwd=H.ROOT, env=ctx.env, check=True)
    ctx.seed = json.loads(seed_path.read_text())


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


def run_backend(ctx: Ctx, only: list[str], results: dict, sizes: list[int], kinds: list[str]) -> None:
    """The raw websockets server does not depend on the backend: it runs with
    the embedded default only, and the PostgreSQL + Redis ratios use it too.
    Prototypes run when named (--kinds proto:asgi_hub --only fanout adds
    them to today's file)."""
    from bench.scenarios import connections, fanout, pages, reconnect, throughput

    prepare(ctx)
    out = results["backends"].setdefault(ctx.backend, {"processes": ctx.procs})
    if ctx.backend != "embedded":
        kinds = [k for k in kinds if k != "raw"]
    if "fanout" in only:
        if ctx.backend != "embedded" and sizes == DEFAULT_SIZES:
            # N=10 measures the storing path, which the embedded run shows.
            sizes = [n for n in sizes if n >= 100]
        out["fanout"] = fanout.run(ctx, kinds, sizes)
    if "throughput" in only:
        out["throughput"] = throughput.run(ctx, kinds)
    if "connections" in only and ctx.backend == "embedded":
        # Idle sockets on one process: the second backend adds nothing here.
        out["connections"] = connections.run(ctx, kinds, 2000 if ctx.quick else 5000)
    if "reconnect" in only:
        out["reconnect"] = reconnect.run(ctx, kinds)
    if "pages" in only:
        try:
            out["pages"] = pages.run(ctx)
        except Exception as exc:
            out["pages"] = [{"page": "all", "path": "", "available": False, "status": f"{type(exc).__name__}: {exc}"}]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a ~3-minute smoke run with smaller counts")
    parser.add_argument("--only", default="", help="comma-separated scenarios: " + ", ".join(SCENARIOS))
    parser.add_argument("--backend", choices=["embedded", "pg", "both"], help="default both; --quick: embedded")
    parser.add_argument("--out", default=str(H.ROOT / "bench" / "results"), help="results folder")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (server logs)")
    parser.add_argument("--sizes", help="fan-out room sizes (default 10,100,1000; quick 10,100)")
    parser.add_argument(
        "--kinds",
        help="servers: raw, plain, app and prototypes proto:asgi_presence, proto:asgi_hub (default raw,plain,app)",
    )
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")] if args.sizes else ([10, 100] if args.quick else DEFAULT_SIZES)
    kinds_arg = args.kinds or "raw,plain,app"
    kinds = [k.strip() for k in kinds_arg.split(",") if k.strip()]
    only = [s.strip() for s in args.only.split(",") if s.strip()] or SCENARIOS
    args.backend = args.backend or ("embedded" if args.quick else "both")
    unknown = set(only) - set(SCENARIOS)
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
        if args.backend in ("embedded", "both") and set(only) - {"matching"}:
            (workdir / "embedded").mkdir()
            run_backend(embedded_ctx(workdir / "embedded", args.quick), only, results, sizes, kinds)
        if args.backend in ("pg", "both") and set(only) - {"matching"}:
            pg_url = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/alumni_bench")
            redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
            why = services_up(pg_url, redis_url)
            if why:
                results["notes"].append(f"PostgreSQL + Redis skipped: not reachable ({why}).")
                log(f"PostgreSQL + Redis not reachable, skipped: {why}")
            else:
                (workdir / "pg").mkdir()
                run_backend(pg_ctx(workdir / "pg", args.quick, pg_url, redis_url), only, results, sizes, kinds)
        if "matching" in only:
            from bench.scenarios import matching

            results["matching"] = matching.run(log)
    finally:
        results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
        results["wall_s"] = round(time.monotonic() - T0, 1)
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
