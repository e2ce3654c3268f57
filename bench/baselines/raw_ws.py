"""The physical ceiling for Python: a raw `websockets` server.

Each path is a room; a text frame from any socket goes verbatim to every
socket of that room with websockets.broadcast() (one encoding, written to
each transport). No JSON, no storage, no auth.

Run: python bench/baselines/raw_ws.py --port 9001
"""

import argparse
import asyncio
import resource

from websockets.asyncio.server import broadcast, serve

ROOMS: dict[str, set] = {}


async def handler(ws):
    room = ROOMS.setdefault(ws.request.path, set())
    room.add(ws)
    try:
        async for text in ws:
            broadcast(room, text)
    finally:
        room.discard(ws)


async def main(port: int) -> None:
    async with serve(handler, "127.0.0.1", port, compression=None, max_queue=None, ping_interval=None) as server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(main(args.port))
