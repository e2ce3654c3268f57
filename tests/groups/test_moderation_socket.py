"""Moderation seen through real sockets: mute, ban, lock, slow mode, hold and
release, watched words, blocks, reports and the crisis request."""

import uuid

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from community.models import Notification
from groups import actions
from groups.models import CrisisAlert, Message, Report, Room, WatchedWord

from .conftest import send_frame

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

db = database_sync_to_async


async def fresh(room):
    return await db(Room.objects.get)(pk=room.pk)


async def test_mute_by_moderator_refuses_posts_with_end_time(room, alumnus, moderator, connect):
    alice = await connect(alumnus, room.slug)
    sanction = await db(actions.mute_member)(
        moderator=moderator, member=alumnus, room=room, minutes=15, reason="cool off"
    )
    await alice.send(send_frame("hello?"))
    error = await alice.recv_type("error")
    assert error["code"] == "muted"
    assert error["until"] == sanction.ends_at.isoformat()
    await db(actions.lift_sanction)(moderator=moderator, sanction=sanction, reason="talked it through")
    await alice.send(send_frame("thanks"))
    assert (await alice.recv_type("message"))["message"]["body"] == "thanks"


async def test_ban_closes_the_open_socket_and_refuses_reconnect(room, alumnus, alumnus2, moderator, connect):
    alice = await connect(alumnus, room.slug)
    bob = await connect(alumnus2, room.slug)
    await db(actions.ban_member)(moderator=moderator, member=alumnus, room=room, reason="harassment", days=7)
    assert await alice.closed() == 4403
    connected, code, _ = await connect(alumnus, room.slug, expect_ok=False)
    assert (connected, code) == (False, 4403)
    await bob.send(send_frame("still open for Bob"))
    assert (await bob.recv_type("message"))["message"]["body"] == "still open for Bob"


async def test_suspension_closes_every_socket(room, alumnus, staff, connect):
    alice = await connect(alumnus, room.slug)
    await db(actions.suspend_member)(staff=staff, member=alumnus, reason="repeated harassment")
    assert await alice.closed() == 4401
    connected, _, _ = await connect(alumnus, room.slug, expect_ok=False)
    assert connected is False


async def test_lock_announces_and_refuses_members(room, alumnus, moderator, connect):
    alice = await connect(alumnus, room.slug)
    await db(actions.update_room_settings)(
        moderator=moderator, room=room, is_locked=True, slow_mode_seconds=0, guidelines="", description=""
    )
    assert (await alice.recv_type("room.updated"))["room"]["is_locked"] is True
    await alice.send(send_frame("hi"))
    assert (await alice.recv_type("error"))["code"] == "locked"


async def test_slow_mode_allows_one_message_per_interval(room, alumnus, moderator, connect):
    await db(actions.update_room_settings)(
        moderator=moderator, room=room, is_locked=False, slow_mode_seconds=30, guidelines="", description=""
    )
    alice = await connect(alumnus, room.slug)
    await alice.send(send_frame("first"))
    await alice.recv_type("message")
    await alice.send(send_frame("second"))
    error = await alice.recv_type("error")
    assert error["code"] == "rate_limited"
    assert "Slow mode" in error["detail"]
    assert 0 < error["retry_after"] <= 60
    mod = await connect(moderator, room.slug)
    for body in ("mods", "are exempt"):
        await mod.send(send_frame(body))
        await mod.recv_type("message")


async def test_held_message_waits_then_release_reaches_everyone(room, alumnus, alumnus2, moderator, connect):
    await db(WatchedWord.objects.create)(word="pills for sale", action="hold")
    alice = await connect(alumnus, room.slug)
    bob = await connect(alumnus2, room.slug)
    frame = send_frame("anyone got Pills for sale?")
    await alice.send(frame)
    held = await alice.recv_type("message.held")
    assert held["message"]["status"] == "held"
    assert await bob.nothing()
    stored = await db(Message.objects.get)(client_id=frame["client_id"])
    assert stored.status == "held"
    note = await db(Notification.objects.get)(recipient=moderator, kind="report")
    assert "waiting for review" in note.text

    newer = await db(actions.post_message)(author=alumnus2, room=room, body="meanwhile", client_id=uuid.uuid4())
    await bob.recv_type("message")
    await db(actions.approve_held_message)(moderator=moderator, message=stored)
    released = (await bob.recv_type("message"))["message"]
    assert (released["client_id"], released["status"]) == (frame["client_id"], "visible")
    # Released in place (same id) at the end of the room's sequence: a
    # client that already saw `newer` and resumes after its seq still gets it.
    assert released["id"] == stored.pk
    assert released["seq"] == newer.message.seq + 1
    late = await connect(alumnus2, room.slug, after_seq=newer.message.seq)
    assert (await late.recv_type("message"))["message"]["client_id"] == frame["client_id"]


async def test_rejected_held_message_never_reaches_the_room(room, alumnus, alumnus2, moderator, connect):
    await db(WatchedWord.objects.create)(word="venmo me", action="hold")
    alice = await connect(alumnus, room.slug)
    bob = await connect(alumnus2, room.slug)
    await alice.send(send_frame("venmo me $20"))
    await alice.recv_type("message.held")
    stored = await db(Message.objects.get)(body="venmo me $20")
    await db(actions.reject_held_message)(moderator=moderator, message=stored, note="No money requests, please.")
    assert await bob.nothing()
    note = await db(Notification.objects.get)(recipient=alumnus, kind="general")
    assert "No money requests" in note.text


async def test_new_members_links_are_held(room, alumnus, connect):
    alice = await connect(alumnus, room.slug)  # joined today: a new member
    await alice.send(send_frame("look at https://example.org/thing"))
    assert (await alice.recv_type("message.held"))["message"]["status"] == "held"


async def test_established_members_links_post(room, alumnus, connect):
    await db(type(alumnus).objects.filter(pk=alumnus.pk).update)(
        date_joined=timezone.now() - timezone.timedelta(days=30)
    )
    alice = await connect(alumnus, room.slug)
    await alice.send(send_frame("look at https://example.org/thing"))
    assert (await alice.recv_type("message"))["message"]["status"] == "visible"


async def test_blocked_watched_word_is_refused(room, alumnus, connect):
    await db(WatchedWord.objects.create)(word="slur*", action="block")
    alice = await connect(alumnus, room.slug)
    await alice.send(send_frame("what a Slurword"))
    error = await alice.recv_type("error")
    assert error["code"] == "watched_word"
    assert await db(Message.objects.count)() == 0


async def test_flagged_word_posts_and_opens_a_report(room, alumnus, alumnus2, connect):
    await db(WatchedWord.objects.create)(word="dealer", action="flag")
    alice = await connect(alumnus, room.slug)
    bob = await connect(alumnus2, room.slug)
    await alice.send(send_frame("my old dealer texted me"))
    assert (await bob.recv_type("message"))["message"]["body"] == "my old dealer texted me"
    report = await db(Report.objects.get)()
    assert (report.reason, report.reporter_id) == ("watched_word", None)


async def test_blocked_members_messages_and_typing_are_hidden(room, alumnus, alumnus2, connect):
    await db(actions.block_member)(member=alumnus, other=alumnus2)
    alice = await connect(alumnus, room.slug)
    bob = await connect(alumnus2, room.slug)
    await bob.send(send_frame("Alice won't see this"))
    await bob.recv_type("message")
    await bob.send({"type": "typing"})
    assert await alice.nothing()


async def test_blocking_stops_mentions(room, alumnus, alumnus2):
    await db(actions.block_member)(member=alumnus, other=alumnus2)
    await db(actions.post_message)(author=alumnus2, room=room, body="hey @Alice", client_id=uuid.uuid4())
    assert await db(Notification.objects.filter(recipient=alumnus).count)() == 0


async def test_report_over_the_socket_notifies_moderators_not_the_author(room, alumnus, alumnus2, moderator, connect):
    message = (await db(actions.post_message)(author=alumnus2, room=room, body="rude", client_id=uuid.uuid4())).message
    alice = await connect(alumnus, room.slug)
    await alice.send({"type": "message.report", "id": message.pk, "reason": "harassment", "note": ""})
    received = await alice.recv_type("report.received")
    report = await db(Report.objects.get)(pk=received["report"])
    assert (report.reporter_id, report.reason) == (alumnus.pk, "harassment")
    assert await db(Notification.objects.filter(recipient=moderator, kind="report").count)() == 1
    assert await db(Notification.objects.filter(recipient=alumnus2).count)() == 0


async def test_worried_report_opens_a_crisis_alert_for_the_author(room, alumnus, alumnus2, moderator, connect):
    message = (
        await db(actions.post_message)(
            author=alumnus2, room=room, body="I'm so tired of everything", client_id=uuid.uuid4()
        )
    ).message
    alice = await connect(alumnus, room.slug)
    await alice.send({"type": "message.report", "id": message.pk, "reason": "worried", "note": "not like Bob"})
    await alice.recv_type("report.received")
    alert = await db(CrisisAlert.objects.get)()
    assert (alert.member_id, alert.source, alert.status) == (alumnus2.pk, "report", "open")
    assert await db(Notification.objects.filter(recipient=moderator, kind="crisis_alert").count)() == 1


async def test_bad_report_changes_nothing(room, alumnus, alumnus2, connect):
    message = (await db(actions.post_message)(author=alumnus2, room=room, body="hm", client_id=uuid.uuid4())).message
    alice = await connect(alumnus, room.slug)
    for frame in (
        {"type": "message.report", "id": message.pk, "reason": "because"},
        {"type": "message.report", "id": message.pk, "reason": "other", "note": "  "},
        {"type": "message.report", "id": 10**9, "reason": "spam"},
    ):
        await alice.send(frame)
        assert (await alice.recv_type("error"))["code"] in {"invalid", "not_found"}
    assert await db(Report.objects.count)() == 0


async def test_talk_to_a_moderator_opens_an_alert(room, alumnus, moderator, connect):
    alice = await connect(alumnus, room.slug)
    await alice.send({"type": "moderator.request"})
    await alice.recv_type("moderator.requested")
    alert = await db(CrisisAlert.objects.get)()
    assert (alert.member_id, alert.source, alert.room_id) == (alumnus.pk, "request", room.pk)
