"""A Daphne process dies mid-traffic (SIGKILL, no cleanup): its clients move
to the other process, resume with ?after= and end with every stored message
exactly once, in order; every send was stored exactly once."""

import asyncio

import pytest

from .harness import Daphne, Member
from .traffic import (
    assert_every_send_stored_once,
    assert_exactly_once_in_order,
    caught_up,
    keep_connected,
    room_last_seq,
    send_many,
    settle,
    stored,
)

pytestmark = pytest.mark.integration


async def test_process_killed_clients_resume_on_the_other_without_loss(database, new_room, processes, log_dir):
    env, seed = new_room("Alice", "Bob", "Carol")
    a, b = Daphne("daphne-a", env, log_dir), Daphne("daphne-b", env, log_dir)
    processes += [a, b]
    a.wait_ready()
    b.wait_ready()
    servers = [a, b]
    alice, bob, carol = (Member(n, seed["members"][n]["cookie"], seed["room"]) for n in ("Alice", "Bob", "Carol"))
    await alice.connect(a)
    await carol.connect(a)
    await bob.connect(b)
    stop = asyncio.Event()
    try:
        watcher = asyncio.create_task(keep_connected(carol, servers, stop))
        senders = [
            asyncio.create_task(send_many(alice, 60, interval=0.02, servers=servers, tag="kill")),
            asyncio.create_task(send_many(bob, 60, interval=0.02, servers=servers, tag="kill")),
        ]
        await alice.wait_for(lambda m: len(m.sent) >= 20, timeout=20, what="traffic before the kill")
        a.kill()
        await asyncio.wait_for(asyncio.gather(*senders), 60)
        for member in (alice, bob):
            await settle(member, servers)
        rows = stored(database, seed["room_id"])
        last_seq = room_last_seq(database, seed["room_id"])
        for member in (alice, bob, carol):
            await caught_up(member, servers, last_seq)
        stop.set()
        await asyncio.wait_for(watcher, 10)

        assert alice.connections >= 2, "A's clients reconnected"
        assert carol.connections >= 2, "A's clients reconnected"
        assert alice.server is b
        assert carol.server is b
        assert len(rows) == 120
        assert_every_send_stored_once([alice, bob], rows)
        for member in (alice, bob, carol):
            assert_exactly_once_in_order(member, rows)
    finally:
        stop.set()
        for member in (alice, bob, carol):
            await member.close()
