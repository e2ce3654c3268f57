"""Nothing lost, nothing stale: per-room sequence numbers, resume by seq with
replay of every change since, gap filling and resync — over real sockets."""

import time
import uuid

import pytest
from channels.db import database_sync_to_async

from groups import actions, consumers
from groups.errors import DENIAL_DETAIL
from groups.models import Message, Room

from .conftest import send_frame

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

db = database_sync_to_async


def post(author, room, body):
    return actions.post_message(author=author, room=room, body=body, client_id=uuid.uuid4()).message


async def frames_until_resumed(socket):
    seen = []
    while True:
        frame = await socket.recv(timeout=5)
        if frame["type"] == "presence":
            continue
        seen.append(frame)
        if frame["type"] in ("resumed", "resync"):
            return seen


async def test_seqs_are_contiguous_per_room(room, alumnus, staff):
    other = await db(actions.create_room)(creator=staff, name="Other", slug="other", kind=Room.Kind.TOPIC)
    await db(actions.join_room)(member=alumnus, room=other)
    a1 = await db(post)(alumnus, room, "one")
    b1 = await db(post)(alumnus, other, "elsewhere")
    a2 = await db(post)(alumnus, room, "two")
    assert (a1.seq, a2.seq, b1.seq) == (1, 2, 1)


async def test_resume_replays_removals_edits_reactions_and_room_settings(room, alumnus, alumnus2, moderator, connect):
    kept = await db(post)(alumnus2, room, "kept as is")
    removed = await db(post)(alumnus2, room, "to be removed")
    edited = await db(post)(alumnus2, room, "first words")
    state = await db(lambda: Room.objects.values_list("last_seq", "last_change").get(pk=room.pk))()
    # Alice was here up to now, then her phone went offline.
    await db(actions.delete_message)(actor=moderator, room=room, message_id=removed.pk, reason="off topic")
    await db(actions.edit_message)(author=alumnus2, room=room, message_id=edited.pk, body="second words")
    await db(actions.toggle_reaction)(member=alumnus2, room=room, message_id=kept.pk, emoji="heart")
    newer = await db(post)(alumnus2, room, "said while she was away")
    await db(actions.update_room_settings)(
        moderator=moderator, room=room, is_locked=True, slow_mode_seconds=0, guidelines="", description=""
    )

    alice = await connect(alumnus, room.slug, after_seq=state[0], changes=state[1])
    frames = await frames_until_resumed(alice)

    kinds = [(f["type"], f.get("id") or (f.get("message") or {}).get("id")) for f in frames]
    assert kinds[0] == ("message", newer.pk)
    assert ("message.deleted", removed.pk) in kinds
    updated = next(f for f in frames if f["type"] == "message.updated" and f["message"]["id"] == edited.pk)
    assert updated["message"]["body"] == "second words"
    reacted = next(f for f in frames if f["type"] == "message.updated" and f["message"]["id"] == kept.pk)
    assert reacted["message"]["reactions"] == [{"emoji": "heart", "count": 1, "users": [alumnus2.pk]}]
    room_frame = next(f for f in frames if f["type"] == "room.updated")
    assert room_frame["room"]["is_locked"] is True
    last_seq, last_change = await db(lambda: Room.objects.values_list("last_seq", "last_change").get(pk=room.pk))()
    assert frames[-1] == {
        "type": "resumed",
        "last_seq": last_seq,
        "last_change": last_change,
        # The room was locked while the page was away: it learns it may not post.
        "posting": {"type": "posting", "room": room.slug, "denial": "locked", "detail": DENIAL_DETAIL["locked"]},
    }


async def test_resuming_with_everything_sends_only_resumed(room, alumnus, alumnus2, connect):
    await db(post)(alumnus2, room, "hello")
    last_seq, last_change = await db(lambda: Room.objects.values_list("last_seq", "last_change").get(pk=room.pk))()
    alice = await connect(alumnus, room.slug, after_seq=last_seq, changes=last_change)
    posting = {"type": "posting", "room": room.slug, "denial": None, "detail": ""}
    assert await frames_until_resumed(alice) == [
        {"type": "resumed", "last_seq": last_seq, "last_change": last_change, "posting": posting}
    ]


async def test_a_removed_message_the_client_never_saw_comes_as_a_placeholder(
    room, alumnus, alumnus2, moderator, connect
):
    gone = await db(post)(alumnus2, room, "posted and removed while away")
    await db(actions.delete_message)(actor=moderator, room=room, message_id=gone.pk, reason="x")
    alice = await connect(alumnus, room.slug, after_seq=0, changes=0)
    frames = await frames_until_resumed(alice)
    placeholder = next(f for f in frames if f["type"] == "message")["message"]
    assert (placeholder["id"], placeholder["seq"], placeholder["deleted"], placeholder["body"]) == (
        gone.pk,
        1,
        True,
        "",
    )


async def test_too_far_behind_answers_resync(room, alumnus, alumnus2, connect, monkeypatch):
    monkeypatch.setattr(consumers, "RESYNC_MESSAGES", 2)
    for i in range(3):
        await db(post)(alumnus2, room, f"message {i}")
    alice = await connect(alumnus, room.slug, after_seq=0, changes=0)
    assert await frames_until_resumed(alice) == [{"type": "resync", "last_seq": 3, "last_change": 0}]


async def test_a_resume_frame_fills_a_gap_without_reconnecting(room, alumnus, alumnus2, connect):
    alice = await connect(alumnus, room.slug)
    first = await db(post)(alumnus2, room, "one")
    await db(post)(alumnus2, room, "two")
    await db(post)(alumnus2, room, "three")
    # Alice's page noticed seq 3 arrive while it held only 1: it asks for the rest.
    await alice.send({"type": "resume", "after_seq": first.seq, "changes": 0})
    bodies = []
    while True:
        frame = await alice.recv(timeout=5)
        if frame["type"] == "resumed":
            break
        if frame["type"] == "message":
            bodies.append(frame["message"]["body"])
    assert bodies[-2:] == ["two", "three"]


async def test_resume_frame_rejects_bad_numbers(room, alumnus, connect):
    alice = await connect(alumnus, room.slug)
    await alice.send({"type": "resume", "after_seq": "latest"})
    assert (await alice.recv_type("error"))["code"] == "invalid"


async def test_client_id_reused_in_another_room_is_a_new_message_there(room, alumnus, staff, connect):
    other = await db(actions.create_room)(creator=staff, name="Other", slug="other", kind=Room.Kind.TOPIC)
    await db(actions.join_room)(member=alumnus, room=other)
    alice = await connect(alumnus, room.slug)
    frame = send_frame("in the first room")
    await alice.send(frame)
    first = (await alice.recv_type("message"))["message"]
    elsewhere = await connect(alumnus, other.slug)
    await elsewhere.send({**frame, "body": "in the second room"})
    second = (await elsewhere.recv_type("message"))["message"]
    assert (second["room"], second["body"]) == ("other", "in the second room")
    assert second["id"] != first["id"]
    assert await db(Message.objects.count)() == 2


async def test_members_resuming_from_the_same_place_share_one_read(room, alumnus, alumnus2, connect, monkeypatch):
    """A reconnect storm: the second member back with the same cursor gets the
    same frames without a second backlog query; any change to the room (here
    an edit) makes the next resume read afresh, so nothing stale is served."""
    first = await db(post)(alumnus2, room, "before the blip")
    await db(post)(alumnus2, room, "during the blip")
    reads = []
    real = consumers.queries.messages_after_seq

    def counted(*args, **kwargs):
        reads.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(consumers.queries, "messages_after_seq", counted)
    a = await connect(alumnus, room.slug, after_seq=0, changes=0)
    b = await connect(alumnus2, room.slug, after_seq=0, changes=0)
    bodies_a = [f["message"]["body"] for f in await frames_until_resumed(a) if f["type"] == "message"]
    bodies_b = [f["message"]["body"] for f in await frames_until_resumed(b) if f["type"] == "message"]
    assert bodies_a == bodies_b == ["before the blip", "during the blip"]
    assert len(reads) == 1

    await db(actions.edit_message)(author=alumnus2, room=room, message_id=first.pk, body="before the blip (edited)")
    c = await connect(alumnus, room.slug, after_seq=0, changes=0)
    bodies_c = [f["message"]["body"] for f in await frames_until_resumed(c) if f["type"] == "message"]
    assert bodies_c[0] == "before the blip (edited)"
    assert len(reads) == 2


async def test_a_shared_resume_still_hides_blocked_authors(room, alumnus, alumnus2, connect):
    await db(post)(alumnus2, room, "from bob")
    await db(post)(alumnus, room, "from alice")
    await db(actions.block_member)(member=alumnus, other=alumnus2)
    a = await connect(alumnus, room.slug, after_seq=0, changes=0)
    b = await connect(alumnus2, room.slug, after_seq=0, changes=0)
    seen_a = [f["message"]["body"] for f in await frames_until_resumed(a) if f["type"] == "message"]
    seen_b = [f["message"]["body"] for f in await frames_until_resumed(b) if f["type"] == "message"]
    assert seen_a == ["from alice"]
    assert seen_b == ["from bob", "from alice"]


async def test_an_edit_made_while_a_resume_frame_reads_is_not_undone_by_the_backlog(
    room, alumnus, alumnus2, connect, monkeypatch
):
    """A page asks to fill a gap; while the server reads the backlog, the
    author edits one of those messages. The live edit must not reach the page
    before the backlog's older copy of the same message (which would put the
    old text back on screen for good): live events wait until `resumed`."""
    alice = await connect(alumnus, room.slug)
    await db(post)(alumnus2, room, "one")
    two = await db(post)(alumnus2, room, "two")
    await alice.recv_type("message")
    await alice.recv_type("message")
    real = consumers._resume_read

    def read_then_edit(*args):
        result = real(*args)
        actions.edit_message(author=alumnus2, room=room, message_id=two.pk, body="two (edited)")
        time.sleep(0.5)  # the live edit reaches this process's hub meanwhile
        return result

    monkeypatch.setattr(consumers, "_resume_read", read_then_edit)
    await alice.send({"type": "resume", "after_seq": 0, "changes": 0})
    shown = {}
    order = []
    while not {"message.updated", "resumed"} <= set(order):
        frame = await alice.recv(timeout=5)
        if frame["type"] in ("message", "message.updated"):
            shown[frame["message"]["id"]] = frame["message"]["body"]
        order.append(frame["type"])
    assert shown[two.pk] == "two (edited)"
    assert order.index("resumed") < order.index("message.updated")


async def test_a_message_released_after_a_resume_still_goes_out_live(room, alumnus, alumnus2, staff, connect):
    """A resume backlog marks the messages it sent so their live copies are
    not sent twice. A message of that backlog held later and released by a
    moderator keeps its id but takes a new seq: that is a new version, and
    the socket must send it."""
    alice = await connect(alumnus, room.slug)
    message = await db(post)(alumnus2, room, "words that will be held")
    await alice.recv_type("message")
    await alice.send({"type": "resume", "after_seq": message.seq - 1, "changes": 0})
    backlog = [f for f in await frames_until_resumed(alice) if f["type"] == "message"]
    assert [f["message"]["id"] for f in backlog] == [message.pk]
    await db(Message.objects.filter(pk=message.pk).update)(status=Message.Status.HELD)
    released = await db(actions.approve_held_message)(moderator=staff, message=message)
    assert released.seq > message.seq
    frame = await alice.recv_type("message")
    assert (frame["message"]["id"], frame["message"]["seq"]) == (message.pk, released.seq)
