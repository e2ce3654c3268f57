"""Sends stored on several threads (settings.SEND_THREADS, PostgreSQL): rooms
go ahead side by side, and each room's messages are stored and delivered in
the order they arrived."""

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async
from django.db import connection

from groups import actions, consumers
from groups.models import Message, Room

from .conftest import send_frame

PER_ROOM = 12


@pytest.fixture
def three_rooms(db, staff, alumnus, alumnus2):
    rooms = []
    for i in range(3):
        room = actions.create_room(creator=staff, name=f"Room {i}", slug=f"room-{i}", kind=Room.Kind.TOPIC)
        for member in (alumnus, alumnus2):
            actions.join_room(member=member, room=room)
        rooms.append(room)
    return rooms


@pytest.mark.django_db(transaction=True)
async def test_rooms_store_side_by_side_and_each_in_order(settings, three_rooms, alumnus, alumnus2, connect):
    if connection.vendor != "postgresql":
        # The in-memory SQLite test database serialises every thread; the
        # PostgreSQL pass runs this for real (and SQLite keeps one send thread).
        pytest.skip("needs PostgreSQL (runs in the suite's PostgreSQL pass)")
    settings.SEND_THREADS = 3
    settings.RATE_LIMIT_BURST = 100
    seen_threads: dict[int, set[str]] = {}
    real_send = consumers._send

    def recording_send(user, room_id, frame):
        seen_threads.setdefault(room_id, set()).add(threading.current_thread().name)
        return real_send(user, room_id, frame)

    consumers._send = recording_send
    try:
        senders = [await connect(alumnus, room.slug) for room in three_rooms]
        readers = [await connect(alumnus2, room.slug) for room in three_rooms]

        async def send_all(i, socket):
            for n in range(PER_ROOM):
                await socket.send(send_frame(f"room {i} message {n}"))

        await asyncio.gather(*(send_all(i, s) for i, s in enumerate(senders)))
        for i, reader in enumerate(readers):
            bodies, seqs = [], []
            while len(bodies) < PER_ROOM:
                frame = await reader.recv_type("message", timeout=10)
                bodies.append(frame["message"]["body"])
                seqs.append(frame["message"]["seq"])
            assert bodies == [f"room {i} message {n}" for n in range(PER_ROOM)]
            assert seqs == sorted(seqs)
    finally:
        consumers._send = real_send
    # Each room on one thread of its own; three rooms, three threads.
    assert all(len(names) == 1 for names in seen_threads.values())
    assert len(set().union(*seen_threads.values())) == 3
    stored = await sync_to_async(
        lambda: {
            r.pk: list(Message.objects.filter(room=r).order_by("seq").values_list("body", flat=True))
            for r in three_rooms
        }
    )()
    for i, room in enumerate(three_rooms):
        assert stored[room.pk] == [f"room {i} message {n}" for n in range(PER_ROOM)]


def test_one_send_thread_is_the_sockets_database_thread(settings):
    settings.SEND_THREADS = 1
    runner = consumers.send_runner(7)
    assert runner.func is consumers._send
    assert runner._thread_sensitive is True  # Channels' database_sync_to_async: the one thread
