"""The server writes a socket's read marker at most once per READ_EVERY
seconds: a burst of `read` frames costs one write at once and one when the
interval is up, and a marker still waiting is written when the socket closes."""

import asyncio
import uuid

import pytest
from channels.db import database_sync_to_async

from groups import actions, consumers
from groups.models import Membership

pytestmark = [pytest.mark.django_db(transaction=True)]

db = database_sync_to_async


@pytest.fixture
def writes(monkeypatch):
    """Shortens the interval and counts the marker writes the socket makes."""
    monkeypatch.setattr(consumers, "READ_EVERY", 0.5)
    calls = []
    real = actions.mark_read_many

    def counted(markers):
        calls.extend(message_id for _user, _room, message_id in markers)
        return real(markers)

    monkeypatch.setattr(consumers.actions, "mark_read_many", counted)
    return calls


async def marker(room, user):
    membership = await db(Membership.objects.get)(room=room, user=user)
    return membership.last_read_message_id


async def posted(room, author, count):
    ids = []
    for i in range(count):
        result = await db(actions.post_message)(author=author, room=room, body=f"m{i}", client_id=uuid.uuid4())
        ids.append(result.message.pk)
    return ids


async def test_a_burst_of_read_frames_is_two_writes(room, alumnus, alumnus2, connect, writes):
    ids = await posted(room, alumnus2, 6)
    alice = await connect(alumnus, room.slug)
    for message_id in ids:
        await alice.send({"type": "read", "id": message_id})
    await alice.send({"type": "ping"})
    await alice.recv_type("pong")
    # The first is written at once; the rest wait for the interval.
    assert writes == [ids[0]]
    assert await marker(room, alumnus) == ids[0]
    await asyncio.sleep(0.8)
    assert writes == [ids[0], ids[-1]]
    assert await marker(room, alumnus) == ids[-1]


async def test_a_waiting_marker_is_written_when_the_socket_closes(room, alumnus, alumnus2, connect, writes):
    ids = await posted(room, alumnus2, 3)
    alice = await connect(alumnus, room.slug)
    await alice.send({"type": "read", "id": ids[0]})
    await alice.send({"type": "read", "id": ids[2]})
    await alice.send({"type": "ping"})
    await alice.recv_type("pong")
    await alice.close()
    assert await marker(room, alumnus) == ids[2]
    assert writes == [ids[0], ids[2]]


async def test_a_waiting_marker_after_losing_the_room_closes_the_socket(room, alumnus, alumnus2, connect, writes):
    ids = await posted(room, alumnus2, 2)
    alice = await connect(alumnus, room.slug)
    await alice.send({"type": "read", "id": ids[0]})
    await alice.send({"type": "read", "id": ids[1]})
    await alice.send({"type": "ping"})
    await alice.recv_type("pong")
    await db(Membership.objects.filter(room=room, user=alumnus).update)(left_at=room.created_at)
    assert (await alice.recv_type("error", timeout=3))["code"] == "forbidden"
    assert await alice.closed() == 4403
    assert await marker(room, alumnus) == ids[0]


async def test_markers_from_many_sockets_are_written_together(room, alumnus, alumnus2, staff, connect, monkeypatch):
    """The process writes the markers that arrive while a batch is being
    written in one trip and one transaction (ReadMarkers), not one each."""
    batches = []
    real = actions.mark_read_many

    def slow_batch(markers):
        batches.append(len(markers))
        import time

        time.sleep(0.2)  # a busy database: the others arrive meanwhile
        return real(markers)

    monkeypatch.setattr(consumers.actions, "mark_read_many", slow_batch)
    ids = await posted(room, staff, 1)
    readers = [alumnus, alumnus2]
    sockets = [await connect(member, room.slug) for member in readers]
    sockets.append(await connect(alumnus, room.slug))  # a second tab of the same member
    for socket in sockets:
        await socket.send({"type": "read", "id": ids[0]})
    for socket in sockets:
        await socket.send({"type": "ping"})
        await socket.recv_type("pong")
    await asyncio.sleep(0.6)
    # Three sockets, two members: the first marker alone, then the two others
    # together, Alice's two tabs being one row.
    assert sum(batches) <= 3
    assert len(batches) < 3
    for member in readers:
        assert await marker(room, member) == ids[0]


def test_mark_read_many_moves_forward_on_active_memberships_only(room, alumnus, alumnus2, banned, staff):
    from django.utils import timezone

    first, second = (
        actions.post_message(author=staff, room=room, body=b, client_id=uuid.uuid4()).message for b in "ab"
    )
    Membership.objects.filter(room=room, user=alumnus).update(last_read_message_id=second.pk)
    Membership.objects.filter(room=room, user=banned).update(left_at=timezone.now())
    moved = actions.mark_read_many(
        [(alumnus.pk, room.pk, first.pk), (alumnus2.pk, room.pk, second.pk), (banned.pk, room.pk, second.pk)]
    )
    assert moved == [True, True, False]
    markers = dict(Membership.objects.filter(room=room).values_list("user_id", "last_read_message_id"))
    assert markers[alumnus.pk] == second.pk  # never back
    assert markers[alumnus2.pk] == second.pk
    assert markers[banned.pk] != second.pk  # left: untouched
    with pytest.raises(actions.ChatError):
        actions.mark_read_many([(alumnus.pk, room.pk, "1; DROP TABLE")])
