"""Crisis detector speed: 2,000 classifications of varied chat messages.

A standalone script (no Django settings needed): loads the shipped model once
(timed separately, as the first message in a process pays for it), then times
each call to `groups.detection.classify` and prints the mean and the 99th
percentile in microseconds, plus one JSON line for the results table:

    {"scenario": "detector", "messages": 2000, "mean_us": ..., "p99_us": ..., "cpu_mean_us": ..., ...}

Wall-clock figures include time the process spent waiting for a busy CPU;
the CPU-time figures (this thread's own time) do not, so they are the ones to
compare between runs on a shared machine.

Run: .venv/bin/python bench/detector_bench.py [--messages N] [--with-staff-lists]
"""

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from groups.detection import CRISIS, classify, get_model

# Short and long, calm and not, English and Spanish: the timing depends on
# length (character n-grams) and on how many rules match.
MESSAGES = [
    "good morning everyone!",
    "anyone going to the saturday meetup? I can bring chairs",
    "this traffic is killing me lol",
    "I relapsed last night and I can't do this anymore",
    "craving hard, going to a meeting",
    "I don't want to be here anymore, I keep thinking about ending it",
    "if you're thinking about suicide call or text 988, it's free and open all night",
    "two years ago I tried to kill myself, now I'm doing great and I have a job and a kid",
    "ya no puedo más, quiero que todo se acabe",
    "mi hermana recayó y estoy preocupada, alguien tiene consejos para hablar con ella?",
    "k*ll mys3lf 2nite, diiiiie",
    "relapsed on fent and there's no narcan here, nobody knows",
    (
        "long day. work was rough, my boss yelled at me in front of everyone and then the bus broke down "
        "so I walked home in the rain. but I called my sponsor, made dinner, and I'm going to bed early. "
        "grateful for this group honestly, you all keep me going on days like this"
    ),
]
STAFF_PHRASES = [("long walk", CRISIS), ("going to the * bridge", CRISIS), ("liquor aisle", "concern")] * 5
STAFF_EXCLUSIONS = ["suicide wings", "killer workout", "dead tired"] * 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--with-staff-lists", action="store_true", help="pass 15 staff phrases and 15 exclusions")
    args = parser.parse_args()

    started = time.perf_counter()
    get_model()
    load_ms = (time.perf_counter() - started) * 1000

    rng = random.Random(7)
    texts = [rng.choice(MESSAGES) for _ in range(args.messages)]
    extra = {"extra_phrases": STAFF_PHRASES, "exclusions": STAFF_EXCLUSIONS} if args.with_staff_lists else {}
    for text in MESSAGES:  # warm the regex and phrase caches, as a running server would have
        classify(text, **extra)

    wall, cpu = [], []
    for text in texts:
        t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
        classify(text, **extra)
        cpu.append((time.thread_time_ns() - c0) / 1000)
        wall.append((time.perf_counter_ns() - t0) / 1000)
    wall_mean, wall_p99 = _mean_p99(wall)
    cpu_mean, cpu_p99 = _mean_p99(cpu)
    print(f"model load: {load_ms:.1f} ms")
    print(f"{len(wall)} classifications, wall clock: mean {wall_mean:.0f} µs, p99 {wall_p99:.0f} µs")
    print(f"{len(cpu)} classifications, CPU time:   mean {cpu_mean:.0f} µs, p99 {cpu_p99:.0f} µs")
    print(
        json.dumps(
            {
                "scenario": "detector",
                "messages": len(wall),
                "staff_lists": args.with_staff_lists,
                "mean_us": round(wall_mean, 1),
                "p99_us": round(wall_p99, 1),
                "cpu_mean_us": round(cpu_mean, 1),
                "cpu_p99_us": round(cpu_p99, 1),
                "load_ms": round(load_ms, 1),
            }
        )
    )


def _mean_p99(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.fmean(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


if __name__ == "__main__":
    main()
