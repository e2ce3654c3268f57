"""message.send: stored before broadcast, same id everywhere, never twice."""

import uuid

import pytest
from channels.db import database_sync_to_async

from groups.models import Message

from .conftest import send_frame

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_send_reaches_every_socket_with_the_stored_id(room, alumnus, alumnus2, connect):
    alice = await connect(alumnus, room.slug)
    bob = await connect(alumnus2, room.slug)
    frame = send_frame("Hi **all**")

    await alice.send(frame)
    got_alice = await alice.recv_type("message")
    got_bob = await bob.recv_type("message")

    stored = await database_sync_to_async(Message.objects.get)(client_id=frame["client_id"])
    assert got_alice == got_bob
    message = got_bob["message"]
    assert message["id"] == stored.pk
    assert message["body"] == "Hi **all**"
    assert message["html"] == "<p>Hi <strong>all</strong></p>"
    assert message["author"] == {"id": alumnus.pk, "display_name": "Alice"}
    assert message["client_id"] == frame["client_id"]
    assert message["room"] == "anxiety"
    assert "email" not in str(got_bob)


async def test_resending_a_client_id_returns_the_stored_message_only_to_the_sender(room, alumnus, alumnus2, connect):
    alice = await connect(alumnus, room.slug)
    bob = await connect(alumnus2, room.slug)
    frame = send_frame("Only once")
    await alice.send(frame)
    first = await alice.recv_type("message")
    await bob.recv_type("message")

    await alice.send(frame)
    again = await alice.recv_type("message")

    assert again["message"]["id"] == first["message"]["id"]
    assert await bob.nothing()
    assert await database_sync_to_async(Message.objects.filter(client_id=frame["client_id"]).count)() == 1


async def test_ids_increase_within_a_room(room, alumnus, connect):
    alice = await connect(alumnus, room.slug)
    ids = []
    for i in range(3):
        await alice.send(send_frame(f"message {i}"))
        ids.append((await alice.recv_type("message"))["message"]["id"])
    assert ids == sorted(ids)
    assert len(set(ids)) == 3


async def test_client_id_must_be_a_uuid(room, alumnus, connect):
    alice = await connect(alumnus, room.slug)
    await alice.send({"type": "message.send", "client_id": "not-a-uuid", "body": "x"})
    error = await alice.recv_type("error")
    assert error["code"] == "invalid"
    assert error["client_id"] == "not-a-uuid"
    assert await database_sync_to_async(Message.objects.count)() == 0


async def test_reply_quotes_the_parent(room, alumnus, alumnus2, connect):
    alice = await connect(alumnus, room.slug)
    await alice.send(send_frame("How do you all handle Sundays?"))
    parent = (await alice.recv_type("message"))["message"]
    bob = await connect(alumnus2, room.slug)

    await bob.send(send_frame("I plan something small", reply_to=parent["id"]))
    reply = (await bob.recv_type("message"))["message"]

    assert reply["reply_to"] == {
        "id": parent["id"],
        "author": {"id": alumnus.pk, "display_name": "Alice"},
        "excerpt": "How do you all handle Sundays?",
        "deleted": False,
    }


async def test_reply_to_a_message_in_another_room_is_not_found(room, alumnus, staff, connect):
    from groups import actions

    other = await database_sync_to_async(actions.create_room)(creator=staff, name="Other")
    elsewhere = await database_sync_to_async(actions.post_message)(
        author=staff, room=other, body="elsewhere", client_id=uuid.uuid4()
    )
    alice = await connect(alumnus, room.slug)
    await alice.send(send_frame("reply", reply_to=elsewhere.message.pk))
    assert (await alice.recv_type("error"))["code"] == "not_found"


async def test_content_note_travels_with_the_message(room, alumnus, connect):
    alice = await connect(alumnus, room.slug)
    await alice.send(send_frame("Had a hard night", content_note="relapse"))
    assert (await alice.recv_type("message"))["message"]["content_note"] == "relapse"
