"""Scenario 6 — bulk mentor matching, 2,000 requests x 500 mentors.

bench/bench_matching.py (owned by the mentorship work) times the matching
itself and prints one JSON line; this only runs it, bounded in time, and
reports "not available yet" while it does not exist.
"""

import json
import subprocess

from bench import harness as H

SCRIPT = H.ROOT / "bench" / "bench_matching.py"
GOAL_S = 10.0


def run(log) -> dict:
    if not SCRIPT.exists():
        log("bulk matching: not available yet (bench/bench_matching.py is missing)")
        return {"available": False, "detail": "not available yet: bench/bench_matching.py does not exist"}
    log("bulk matching: bench/bench_matching.py")
    try:
        done = subprocess.run([H.PY, str(SCRIPT)], cwd=H.ROOT, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return {"available": True, "error": "did not finish within 300 s"}
    lines = [line for line in done.stdout.splitlines() if line.strip().startswith("{")]
    if done.returncode != 0 or not lines:
        return {"available": True, "error": f"exit {done.returncode}: {(done.stderr or done.stdout)[-500:]}"}
    try:
        row = json.loads(lines[-1])
    except json.JSONDecodeError:
        return {"available": True, "error": f"unreadable output: {lines[-1][:200]}"}
    row["available"] = True
    row["goal_s"] = GOAL_S
    log(f"  -> {row.get('seconds')} s")
    return row
