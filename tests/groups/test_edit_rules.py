"""An edit obeys every rule a send obeys (mute, ban, lock, slow mode, rate
limit, word lists, the new-member link hold, the crisis tiers), seen through
real sockets."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from community.models import Notification, User
from groups import actions
from groups.models import CrisisAlert, Message, Report, Room, WatchedWord

from .conftest import send_frame

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

db = database_sync_to_async


async def _post(socket, body="ok"):
    await socket.send(send_frame(body))
    return (await socket.recv_type("message"))["message"]


async def test_editing_into_crisis_raises_an_alert_and_brings_the_card(room, alumnus, alumnus2, moderator, connect):
    alice = await connect(alumnus, room.slug)
    bob = await connect(alumnus2, room.slug)
    posted = await _post(alice, "ok")
    await bob.recv_type("message")
    await alice.send({"type": "message.edit", "id": posted["id"], "body": "I want to end my life tonight"})
    card = await alice.recv_type("crisis.resources")
    assert card["tier"] == "crisis"
    # The person in crisis is never silenced: the edit reaches the room.
    assert (await bob.recv_type("message.updated"))["message"]["body"] == "I want to end my life tonight"
    alert = await db(CrisisAlert.objects.get)()
    assert (alert.member_id, alert.message_id, alert.status) == (alumnus.pk, posted["id"], "open")
    notified = await db(lambda: list(Notification.objects.filter(kind="crisis_alert").values_list("recipient_id")))()
    assert (moderator.pk,) in notified


async def test_a_muted_member_cannot_edit(room, alumnus, moderator, connect):
    alice = await connect(alumnus, room.slug)
    posted = await _post(alice, "first words")
    await db(actions.mute_member)(moderator=moderator, member=alumnus, room=room, minutes=15, reason="cool off")
    await alice.send({"type": "message.edit", "id": posted["id"], "body": "changed while muted"})
    assert (await alice.recv_type("error"))["code"] == "muted"
    assert await db(lambda: Message.objects.get(pk=posted["id"]).body)() == "first words"


async def test_editing_in_a_locked_room_is_refused(room, alumnus, staff, connect):
    alice = await connect(alumnus, room.slug)
    posted = await _post(alice, "first words")
    await db(Room.objects.filter(pk=room.pk).update)(is_locked=True)
    await alice.send({"type": "message.edit", "id": posted["id"], "body": "changed while locked"})
    assert (await alice.recv_type("error"))["code"] == "locked"
    assert await db(lambda: Message.objects.get(pk=posted["id"]).body)() == "first words"


async def test_editing_in_a_blocked_word_is_refused_and_changes_nothing(room, alumnus, staff, connect):
    await db(actions.add_watched_word)(staff=staff, word="casino", action=WatchedWord.Action.BLOCK)
    alice = await connect(alumnus, room.slug)
    posted = await _post(alice, "hello")
    await alice.send({"type": "message.edit", "id": posted["id"], "body": "join my casino"})
    assert (await alice.recv_type("error"))["code"] == "watched_word"
    message = await db(Message.objects.get)(pk=posted["id"])
    assert (message.body, message.edited_at) == ("hello", None)


async def test_a_new_member_editing_in_a_link_is_held_and_leaves_the_room(room, alumnus, alumnus2, connect):
    await db(User.objects.filter(pk=alumnus.pk).update)(date_joined=timezone.now() - timedelta(days=1))
    alice = await connect(alumnus, room.slug)
    bob = await connect(alumnus2, room.slug)
    posted = await _post(alice, "hello")
    await bob.recv_type("message")
    await alice.send({"type": "message.edit", "id": posted["id"], "body": "look at https://example.org"})
    assert (await alice.recv_type("message.held"))["message"]["id"] == posted["id"]
    assert (await bob.recv_type("message.deleted"))["id"] == posted["id"]
    assert await db(lambda: Message.objects.get(pk=posted["id"]).status)() == Message.Status.HELD


async def test_a_flagged_word_in_an_edit_files_a_report(room, alumnus, staff, connect):
    await db(actions.add_watched_word)(staff=staff, word="pills", action=WatchedWord.Action.FLAG)
    alice = await connect(alumnus, room.slug)
    posted = await _post(alice, "hello")
    await alice.send({"type": "message.edit", "id": posted["id"], "body": "anyone selling pills"})
    await alice.recv_type("message.updated")
    report = await db(Report.objects.get)()
    assert (report.message_id, report.reason) == (posted["id"], Report.Reason.WATCHED_WORD)


async def test_edits_count_against_the_rate_limit(room, alumnus, settings, connect):
    settings.RATE_LIMIT_BURST = 2
    settings.RATE_LIMIT_PER_SECOND = 0.01
    alice = await connect(alumnus, room.slug)
    posted = await _post(alice, "one")
    await alice.send({"type": "message.edit", "id": posted["id"], "body": "two"})
    await alice.recv_type("message.updated")
    await alice.send({"type": "message.edit", "id": posted["id"], "body": "three"})
    assert (await alice.recv_type("error"))["code"] == "rate_limited"
    assert await db(lambda: Message.objects.get(pk=posted["id"]).body)() == "two"
