"""Two Daphne processes on one PostgreSQL and one Redis: members on either
process see the same room — messages in order, presence and typing."""

import pytest

from .harness import Daphne, Member

pytestmark = pytest.mark.integration


def _bodies(member, author=None):
    return [m["body"] for m in member.messages if author is None or m["author"]["display_name"] == author]


def _online(member):
    presences = [f for f in member.frames if f["type"] == "presence"]
    return sorted(u["display_name"] for u in presences[-1]["online"]) if presences else []


async def test_two_processes_message_sent_on_b_arrives_in_order_on_a(new_room, processes, log_dir):
    env, seed = new_room("Alice", "Bob")
    a, b = Daphne("daphne-a", env, log_dir), Daphne("daphne-b", env, log_dir)
    processes += [a, b]
    a.wait_ready()
    b.wait_ready()

    alice = Member("Alice", seed["members"]["Alice"]["cookie"], seed["room"])
    bob = Member("Bob", seed["members"]["Bob"]["cookie"], seed["room"])
    await alice.connect(a)
    await bob.connect(b)
    await alice.wait_for(lambda m: _online(m) == ["Alice", "Bob"], what="presence of both")
    try:
        sent = [f"from B number {i}" for i in range(40)]
        for body in sent:
            await bob.send(body)
        await alice.wait_for(lambda m: len(_bodies(m, "Bob")) == 40, timeout=20, what="40 messages")
        await bob.wait_for(lambda m: not m.pending, timeout=20, what="Bob's acknowledgements")

        assert _bodies(alice) == sent
        ids = [m["id"] for m in alice.messages]
        assert ids == sorted(ids)
        assert len(set(ids)) == 40
        assert [m["id"] for m in bob.messages] == ids
    finally:
        await alice.close()
        await bob.close()


async def test_two_processes_presence_and_typing_agree(new_room, processes, log_dir):
    env, seed = new_room("Alice", "Bob", "Carol")
    a, b = Daphne("daphne-a", env, log_dir), Daphne("daphne-b", env, log_dir)
    processes += [a, b]
    a.wait_ready()
    b.wait_ready()

    alice, bob, carol = (Member(n, seed["members"][n]["cookie"], seed["room"]) for n in ("Alice", "Bob", "Carol"))
    try:
        await alice.connect(a)
        await bob.connect(b)
        await carol.connect(a)
        everyone = ["Alice", "Bob", "Carol"]
        for member in (alice, bob, carol):
            await member.wait_for(lambda m: _online(m) == everyone, what="presence of all three")

        await bob.frame(type="typing")
        for member in (alice, carol):
            await member.wait_for(
                lambda m: any(f["type"] == "typing" and f["user"]["display_name"] == "Bob" for f in m.frames),
                what="Bob typing",
            )
        await carol.close()
        for member in (alice, bob):
            await member.wait_for(lambda m: _online(m) == ["Alice", "Bob"], what="Carol gone")

        assert not any(f["type"] == "typing" for f in bob.frames)  # not echoed to the typist
    finally:
        for member in (alice, bob, carol):
            await member.close()
