"""Traffic helpers shared by the failure tests: members that keep sending and
keep reconnecting, and the checks that nothing was lost or doubled."""

import asyncio
import contextlib

from websockets.exceptions import ConnectionClosed

from .harness import Member, query


async def keep_connected(member: Member, servers, stop: asyncio.Event, *, timeout: float = 60) -> None:
    """Reconnect (resuming) whenever the socket closes, until `stop` is set."""
    while not stop.is_set():
        if not member.open:
            await member.connect_retrying(servers, timeout=timeout)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.05)


async def send_many(member: Member, count: int, *, interval: float, servers, tag: str, timeout: float = 60) -> None:
    """Send `count` messages, reconnecting when the socket breaks; a send the
    server did not acknowledge stays pending and is re-sent on reconnect."""
    for i in range(count):
        if not member.open:
            await member.connect_retrying(servers, timeout=timeout)
        with contextlib.suppress(ConnectionClosed):
            await member.send(f"{tag} {member.name} {i}")
        await asyncio.sleep(interval)


async def settle(member: Member, servers, *, timeout: float = 30) -> None:
    """Until every send is acknowledged (reconnecting and re-sending as needed)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while member.pending:
        if loop.time() > deadline:
            raise TimeoutError(f"{member.name}: {len(member.pending)} sends never acknowledged")
        if not member.open:
            await member.connect_retrying(servers, timeout=max(deadline - loop.time(), 1))
        with contextlib.suppress(TimeoutError):
            await member.wait_for(lambda m: not m.pending or not m.open, timeout=1, what="acknowledgements")


def stored(db_url: str, room_id: int) -> list[tuple[int, str, str]]:
    """(id, client_id, author display name) of every message in the room, by id."""
    return [
        (row[0], str(row[1]), row[2])
        for row in query(
            db_url,
            "SELECT m.id, m.client_id, u.display_name FROM groups_message m "
            "JOIN community_user u ON u.id = m.author_id WHERE m.room_id = %s ORDER BY m.id",
            (room_id,),
        )
    ]


def room_last_seq(db_url: str, room_id: int) -> int:
    return query(db_url, "SELECT last_seq FROM groups_room WHERE id = %s", (room_id,))[0][0]


async def caught_up(member: Member, servers, last_seq: int, *, timeout: float = 30) -> None:
    """Until the member holds every message up to `last_seq`, as the browser
    gets there: a ping every couple of seconds, whose pong carries the room's
    counters and makes the client fill any gap (a broadcast lost with a dying
    process included)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while member.last_seq < last_seq:
        if loop.time() > deadline:
            raise TimeoutError(f"{member.name} holds up to seq {member.last_seq} of {last_seq}")
        if not member.open:
            await member.connect_retrying(servers, timeout=max(deadline - loop.time(), 1))
        with contextlib.suppress(ConnectionClosed):
            await member.frame(type="ping")
        with contextlib.suppress(TimeoutError):
            await member.wait_for(lambda m: m.last_seq >= last_seq or not m.open, timeout=2, what="the gap fill")


def assert_exactly_once_in_order(member: Member, rows: list[tuple[int, str, str]]) -> None:
    """The member holds every stored message exactly once, and the room's
    order — by seq, which the page sorts by — has no hole and puts each
    author's messages in the order they were stored.

    (Arrival order is not the room's order: a message whose broadcast died
    with its process arrives later, through a gap fill, and takes its place.)"""
    received = [m["id"] for m in member.messages]
    duplicates = sorted({i for i in received if received.count(i) > 1})
    assert not duplicates, f"{member.name} got {duplicates} more than once"
    missing = sorted({r[0] for r in rows} - set(received))
    assert not missing, f"{member.name} never got {missing}"
    assert set(received) == {r[0] for r in rows}
    by_seq = sorted(member.messages, key=lambda m: m["seq"])
    assert [m["seq"] for m in by_seq] == list(range(1, len(rows) + 1)), f"{member.name} holds a hole in the seqs"
    for author in {r[2] for r in rows}:
        theirs = [m["id"] for m in by_seq if m["author"]["display_name"] == author]
        assert theirs == sorted(theirs), f"{member.name} shows {author}'s messages out of order: {theirs}"


def assert_every_send_stored_once(members: list[Member], rows: list[tuple[int, str, str]]) -> None:
    client_ids = [r[1] for r in rows]
    assert len(client_ids) == len(set(client_ids)), "a client_id was stored twice"
    sent = {cid for m in members for cid in m.sent}
    assert set(client_ids) == sent, f"sent but not stored: {sorted(sent - set(client_ids))[:5]}"
