"""Redis stops and comes back during traffic (a private redis-server this test
controls). HTTP keeps working; a send during the outage is stored or answered
with a clear error, never acknowledged and lost; sockets resynchronise
afterwards with nothing lost."""

import asyncio

import pytest

from .harness import Daphne, Member, RedisServer, http_get
from .traffic import (
    assert_every_send_stored_once,
    assert_exactly_once_in_order,
    caught_up,
    room_last_seq,
    send_many,
    settle,
    stored,
)

pytestmark = pytest.mark.integration


async def test_redis_restart_http_works_sends_are_safe_and_sockets_resync(database, new_room, processes, log_dir):
    redis = RedisServer(log_dir)
    processes.append(redis)
    env, seed = new_room("Alice", "Bob", "Carol", redis_url=redis.url)
    a, b = Daphne("daphne-a", env, log_dir), Daphne("daphne-b", env, log_dir)
    processes += [a, b]
    a.wait_ready()
    b.wait_ready()
    servers = [a, b]
    alice, bob, carol = (Member(n, seed["members"][n]["cookie"], seed["room"]) for n in ("Alice", "Bob", "Carol"))
    try:
        await alice.connect(a)
        await carol.connect(a)
        await bob.connect(b)
        await send_many(alice, 5, interval=0.02, servers=servers, tag="before")
        await send_many(bob, 5, interval=0.02, servers=servers, tag="before")
        for member in (alice, bob, carol):
            await member.wait_for(lambda m: len(m.messages) == 10, what="traffic before the outage")

        redis.stop()
        status, _ = await asyncio.to_thread(http_get, a.base + "/crisis/")
        health, body = await asyncio.to_thread(http_get, b.base + "/healthz")
        outage = []
        for i in range(5):
            if not alice.open:
                break
            before = len(alice.frames)
            client_id = await alice.send(f"during outage {i}")
            await alice.wait_for(
                lambda m, before=before: len(m.frames) > before or not m.open, timeout=10, what="an answer"
            )
            outage.append((client_id, alice.frames[before:] if len(alice.frames) > before else "closed"))

        redis.restart()
        # No pause: members send as soon as a server takes their socket again,
        # as real members would. Sockets that stayed open must not miss it.
        await asyncio.gather(
            send_many(alice, 10, interval=0.02, servers=servers, tag="after"),
            send_many(bob, 10, interval=0.02, servers=servers, tag="after"),
        )
        for member in (alice, bob):
            await settle(member, servers)
        rows = stored(database, seed["room_id"])
        last_seq = room_last_seq(database, seed["room_id"])
        for member in (alice, bob, carol):
            await caught_up(member, servers, last_seq)

        assert status == 200, "pages that need no Redis keep working"
        assert health == 503
        assert b'"cache": "error' in body
        assert_every_send_stored_once([alice, bob], rows)
        for member in (alice, bob, carol):
            assert_exactly_once_in_order(member, rows)
    finally:
        for member in (alice, bob, carol):
            await member.close()
