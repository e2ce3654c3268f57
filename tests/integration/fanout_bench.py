"""Channel-layer measurement: fan-out from one sender to N sockets spread over
two Daphne processes, for the core (list) and pub/sub layers of channels-redis.

    .venv/bin/python -m tests.integration.fanout_bench --sockets 60 --messages 200

Each layer gets a private redis-server and the same throwaway database. The
sender posts as fast as acknowledgements come back (one in flight at a time,
like a person's socket); every receiving socket records when each message
arrived. Prints, per layer: messages/s stored and broadcast, fan-out latency
(send → arrival at a socket) p50/p95/max, and deliveries missing.
Numbers and the decision are recorded in docs/operations.md.
"""

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from websockets.asyncio.client import connect

from . import harness


async def run_layer(layer: str, db_url: str, n_sockets: int, n_messages: int, log_dir: Path) -> dict:
    redis = harness.RedisServer(log_dir)
    processes = [redis]
    try:
        env = harness.base_env(db_url, redis.url, uuid.uuid4().hex[:8])
        env["CHANNEL_LAYER"] = layer
        names = [f"M{i}" for i in range(n_sockets + 1)]
        seed = harness.seed(env, {"room": f"bench-{layer}-{uuid.uuid4().hex[:6]}", "members": names})
        servers = [harness.Daphne(f"{layer}-a", env, log_dir), harness.Daphne(f"{layer}-b", env, log_dir)]
        processes += servers
        for server in servers:
            server.wait_ready(60)
        arrivals: dict[int, list[float]] = {}
        sockets = []

        async def reader(ws, index):
            async for raw in ws:
                frame = json.loads(raw)
                if frame["type"] == "message":
                    arrivals.setdefault(index, []).append((time.monotonic(), frame["message"]["body"]))

        readers = []
        for i, name in enumerate(names[1:]):
            server = servers[i % 2]
            ws = await connect(
                server.ws_url(seed["room"]),
                additional_headers={
                    "Origin": f"http://127.0.0.1:{server.port}",
                    "Cookie": seed["members"][name]["cookie"],
                },
                open_timeout=20,
                max_queue=None,
            )
            sockets.append(ws)
            readers.append(asyncio.create_task(reader(ws, i)))
        sender_server = servers[0]
        sender = await connect(
            sender_server.ws_url(seed["room"]),
            additional_headers={
                "Origin": f"http://127.0.0.1:{sender_server.port}",
                "Cookie": seed["members"][names[0]]["cookie"],
            },
            open_timeout=20,
        )
        await asyncio.sleep(1)
        sent_at = {}
        start = time.monotonic()
        for k in range(n_messages):
            body = f"bench {k}"
            client_id = str(uuid.uuid4())
            sent_at[body] = time.monotonic()
            await sender.send(json.dumps({"type": "message.send", "client_id": client_id, "body": body}))
            while True:
                frame = json.loads(await asyncio.wait_for(sender.recv(), 30))
                if frame["type"] == "message" and frame["message"]["client_id"] == client_id:
                    break
        send_time = time.monotonic() - start
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and sum(len(v) for v in arrivals.values()) < n_messages * n_sockets:
            await asyncio.sleep(0.1)
        total_time = time.monotonic() - start
        latencies = sorted(t - sent_at[body] for values in arrivals.values() for t, body in values)
        delivered = len(latencies)
        for ws in [*sockets, sender]:
            await ws.close()
        for task in readers:
            task.cancel()
        return {
            "layer": layer,
            "sockets": n_sockets,
            "messages": n_messages,
            "sent_per_s": round(n_messages / send_time, 1),
            "deliveries_per_s": round(delivered / total_time, 1),
            "latency_ms_p50": round(statistics.median(latencies) * 1000, 1),
            "latency_ms_p95": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1),
            "latency_ms_max": round(latencies[-1] * 1000, 1),
            "missing": n_messages * n_sockets - delivered,
        }
    finally:
        for process in reversed(processes):
            process.stop()


async def main(args) -> None:
    db_url = harness.create_database(args.postgres)
    log_dir = Path(tempfile.mkdtemp(prefix="alumni-bench-"))
    try:
        env = harness.base_env(db_url, "", "bench")
        harness.manage(env, "migrate", "--noinput", timeout=300)
        for layer in args.layers:
            print(json.dumps(await run_layer(layer, db_url, args.sockets, args.messages, log_dir)), flush=True)
    finally:
        harness.drop_database(db_url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/test")
    parser.add_argument("--sockets", type=int, default=60)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--layers", nargs="+", default=["core", "pubsub"])
    asyncio.run(main(parser.parse_args()))
