"""Two processes broadcast interleaved traffic — new messages, edits and
removals — to members whose connections drop at random points and who
resume on either process, as a phone does. Every member ends holding every
message exactly once (by id, as the page keys them), with every removal
shown and every edit's final text."""

import asyncio
import contextlib
import random

import pytest

from .harness import Daphne, Member, query
from .traffic import caught_up, keep_connected, room_last_seq, send_many, settle

pytestmark = pytest.mark.integration


async def _drop_at_random(member: Member, stop: asyncio.Event, rng: random.Random) -> None:
    """Cut the member's connection every 0.1–0.6 s (keep_connected resumes it)."""
    while not stop.is_set():
        await asyncio.sleep(rng.uniform(0.1, 0.6))
        if member.ws is not None and member.open:
            with contextlib.suppress(Exception):
                await member.ws.close()


async def _edit_and_remove(author: Member, servers, stop: asyncio.Event) -> None:
    """The author edits every 5th of their stored messages and removes every 7th."""
    done: set[int] = set()
    while not stop.is_set():
        mine = [m for m in author.messages if m["author"]["display_name"] == author.name]
        for index, message in enumerate(mine):
            if message["id"] in done or not author.open:
                continue
            if index % 7 == 3:
                await author.frame(type="message.delete", id=message["id"])
            elif index % 5 == 2:
                await author.frame(type="message.edit", id=message["id"], body=message["body"] + " (edited)")
            done.add(message["id"])
        await asyncio.sleep(0.05)


async def test_random_drops_on_two_processes_end_with_everything_once(database, new_room, processes, log_dir):
    env, seed = new_room("Alice", "Bob", "Carol", "Dana")
    a, b = Daphne("daphne-a", env, log_dir), Daphne("daphne-b", env, log_dir)
    processes += [a, b]
    a.wait_ready()
    b.wait_ready()
    servers = [a, b]
    rng = random.Random(20261204)
    alice, bob, carol, dana = (
        Member(n, seed["members"][n]["cookie"], seed["room"]) for n in ("Alice", "Bob", "Carol", "Dana")
    )
    await alice.connect(a)
    await bob.connect(b)
    await carol.connect(a)
    await dana.connect(b)
    stop = asyncio.Event()
    try:
        background = [
            asyncio.create_task(keep_connected(carol, [b, a], stop)),
            asyncio.create_task(keep_connected(dana, servers, stop)),
            asyncio.create_task(_drop_at_random(carol, stop, rng)),
            asyncio.create_task(_drop_at_random(dana, stop, rng)),
            asyncio.create_task(_edit_and_remove(alice, servers, stop)),
            asyncio.create_task(_edit_and_remove(bob, servers, stop)),
        ]
        await asyncio.wait_for(
            asyncio.gather(
                send_many(alice, 50, interval=0.02, servers=servers, tag="drops"),
                send_many(bob, 50, interval=0.02, servers=servers, tag="drops"),
            ),
            90,
        )
        for member in (alice, bob):
            await settle(member, servers)
        await asyncio.sleep(1)  # the last edits and removals
        stop.set()
        await asyncio.wait_for(asyncio.gather(*background, return_exceptions=True), 20)
        # A barrier, not a pause: a socket handles its frames in order, so once
        # each author's ping is answered every edit and removal they sent before
        # it is stored. (On a loaded machine a fixed sleep let the database be
        # read before the last removals landed, while members then saw them.)
        for author in (alice, bob):
            if author.open:
                pongs = sum(f["type"] == "pong" for f in author.frames)
                await author.frame(type="ping")
                await author.wait_for(
                    lambda m, n=pongs: sum(f["type"] == "pong" for f in m.frames) > n, timeout=30, what="pong"
                )

        rows = query(
            database,
            "SELECT id, body, deleted_at IS NOT NULL FROM groups_message WHERE room_id = %s ORDER BY id",
            (seed["room_id"],),
        )
        assert len(rows) == 100
        removed = {r[0] for r in rows if r[2]}
        final = {r[0]: r[1] for r in rows if not r[2]}
        assert removed, "the traffic removed some messages"
        assert any(body.endswith("(edited)") for body in final.values()), "the traffic edited some"
        last_seq = room_last_seq(database, seed["room_id"])
        for member in (alice, bob, carol, dana):
            if not member.open:
                await member.connect_retrying(servers)
            await caught_up(member, servers, last_seq)
            # Changes made after the member's last message: one more ping fills them.
            changes = query(database, "SELECT last_change FROM groups_room WHERE id = %s", (seed["room_id"],))[0][0]
            while member.last_change < changes:
                await member.frame(type="ping")
                await member.wait_for(lambda m, c=changes: m.last_change >= c, timeout=10, what="every change")

            held = [m["id"] for m in member.messages]
            assert sorted(held) == sorted(set(held)), f"{member.name} holds a message twice"
            assert set(held) == {r[0] for r in rows}, (
                f"{member.name} is missing {sorted({r[0] for r in rows} - set(held))}"
            )
            assert removed <= member.removed, f"{member.name} still shows {sorted(removed - member.removed)}"
            shown = {i: body for i, body in member.bodies.items() if i not in member.removed}
            assert shown == final, f"{member.name} shows stale text"
        assert carol.connections > 3
        assert dana.connections > 3
    finally:
        stop.set()
        for member in (alice, bob, carol, dana):
            await member.close()
