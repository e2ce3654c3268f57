"""Sends that arrive while others are being stored go together in one trip to
the storing thread (groups.consumers.SendQueue): each is checked on its own
and stored in order (plain ones sharing a transaction, tests/groups/
test_store_posts.py), and each socket hears its own result."""

import asyncio
import time
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from groups import consumers
from groups.models import Membership, Message

from .conftest import send_frame

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def trips(monkeypatch):
    """Records the size of each trip; the first one is slow, as a busy
    database would be, so that the others arrive while it runs."""
    sizes = []
    real = consumers._send_many

    def recorded(items):
        sizes.append(len(items))
        if len(sizes) == 1:
            time.sleep(0.6)
        return real(items)

    monkeypatch.setattr(consumers, "_send_many", recorded)
    return sizes


async def test_sends_arriving_meanwhile_share_a_trip_and_keep_their_order(
    settings, room, alumnus, alumnus2, staff, connect, trips
):
    from tests.conftest import make_member

    settings.RATE_LIMIT_BURST = 100
    members = [alumnus, alumnus2]
    for i in range(2):
        member = await database_sync_to_async(make_member)(f"q{i}@example.org", f"Queue {i}")
        await database_sync_to_async(Membership.objects.create)(room=room, user=member)
        members.append(member)
    sockets = [await connect(member, room.slug) for member in members]
    watcher = await connect(staff, room.slug)
    await watcher.send(send_frame("first"))
    await asyncio.sleep(0.15)  # the first trip is under way
    for n in range(2):
        for i, socket in enumerate(sockets):
            await socket.send(send_frame(f"member {i} message {n}"))
    bodies = [(await watcher.recv_type("message", timeout=5))["message"]["body"] for _ in range(9)]
    assert bodies[0] == "first"
    for i in range(4):  # each socket's messages in the order it sent them
        assert [b for b in bodies if b.startswith(f"member {i} ")] == [f"member {i} message {n}" for n in range(2)]
    # The first alone; the four first messages that came meanwhile together.
    assert trips[:2] == [1, 4]
    assert sum(trips) == 9
    stored = await database_sync_to_async(
        lambda: list(Message.objects.filter(room=room).order_by("seq").values_list("body", flat=True))
    )()
    assert stored == bodies


async def test_a_refused_send_in_a_shared_trip_refuses_only_itself(
    settings, room, alumnus, alumnus2, staff, connect, trips
):
    settings.RATE_LIMIT_BURST = 100
    staff_socket = await connect(staff, room.slug)
    alice = await connect(alumnus, room.slug)
    bob = await connect(alumnus2, room.slug)
    await database_sync_to_async(Membership.objects.filter(room=room, user=alumnus).update)(
        muted_until=timezone.now() + timedelta(minutes=10)
    )
    await staff_socket.send(send_frame("slow first"))
    await asyncio.sleep(0.15)
    await alice.send(send_frame("from a muted member"))
    await bob.send(send_frame("from bob"))
    error = await alice.recv_type("error", timeout=5)
    assert error["code"] == "muted"
    got = (await bob.recv_type("message", timeout=5))["message"]["body"]
    while got != "from bob":
        got = (await bob.recv_type("message", timeout=5))["message"]["body"]
    bodies = await database_sync_to_async(lambda: set(Message.objects.values_list("body", flat=True)))()
    assert bodies == {"slow first", "from bob"}


async def test_a_trip_is_at_most_send_batch_max(settings, room, alumnus, alumnus2, banned, staff, connect, trips):
    from tests.conftest import make_member

    settings.RATE_LIMIT_BURST = 100
    settings.SEND_BATCH_MAX = 2
    others = []
    for i in range(4):
        member = await database_sync_to_async(make_member)(f"m{i}@example.org", f"Member {i}")
        await database_sync_to_async(Membership.objects.create)(room=room, user=member)
        others.append(await connect(member, room.slug))
    await (await connect(staff, room.slug)).send(send_frame("slow first"))
    await asyncio.sleep(0.15)
    for i, socket in enumerate(others):
        await socket.send(send_frame(f"m{i}"))
    for socket in others:
        assert (await socket.recv_type("message", timeout=5))["message"]["body"]
    await asyncio.sleep(0.2)
    assert max(trips) <= 2
    assert sum(trips) == 5
