"""Room state that reaches an open page at once, through real sockets: a mute
and its lifting, a guidelines change, accepting guidelines, blocks, and the
private reason a removed message's author is given."""

import pytest
from channels.db import database_sync_to_async

from community.models import Notification
from groups import actions
from groups.models import Membership, Message, Room, WatchedWord

from .conftest import send_frame

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

db = database_sync_to_async


async def test_a_mute_and_its_lifting_reach_only_the_members_own_page(room, alumnus, alumnus2, moderator, connect):
    other_room = await db(actions.create_room)(creator=moderator, name="Sleep", slug="sleep")
    await db(actions.join_room)(member=alumnus, room=other_room)
    alice = await connect(alumnus, room.slug)
    alice_elsewhere = await connect(alumnus, other_room.slug)
    bob = await connect(alumnus2, room.slug)

    sanction = await db(actions.mute_member)(moderator=moderator, member=alumnus, room=room, minutes=15, reason="x")

    posting = await alice.recv_type("posting")
    assert posting["denial"] == "muted"
    assert posting["room"] == room.slug
    membership = await db(Membership.objects.get)(room=room, user=alumnus)
    assert posting["until"] == membership.muted_until.isoformat()
    assert await bob.nothing()
    assert await alice_elsewhere.nothing()

    await db(actions.lift_sanction)(moderator=moderator, sanction=sanction, reason="talked it through")
    posting = await alice.recv_type("posting")
    assert posting["denial"] is None
    await alice.send(send_frame("thanks"))
    assert (await alice.recv_type("message"))["message"]["body"] == "thanks"


async def test_only_a_guidelines_change_asks_members_to_accept_again(room, alumnus, staff, connect):
    await db(Membership.objects.filter(room=room).update)(accepted_guidelines_at="2026-01-01T00:00Z")
    alice = await connect(alumnus, room.slug)

    await db(actions.update_room_settings)(
        moderator=staff, room=room, is_locked=False, slow_mode_seconds=30, guidelines="", description="Quiet"
    )
    frame = await alice.recv_type("room.updated")
    assert frame["room"]["slow_mode_seconds"] == 30
    assert "guidelines_changed" not in frame
    assert await db(Membership.objects.filter(room=room, accepted_guidelines_at__isnull=True).count)() == 0

    await db(actions.update_room_settings)(
        moderator=staff, room=room, is_locked=False, slow_mode_seconds=30, guidelines="Be kind.", description="Quiet"
    )
    frame = await alice.recv_type("room.updated")
    assert frame["guidelines_changed"] is True
    assert frame["room"]["guidelines"] == "Be kind."
    await alice.send(send_frame("before accepting"))
    assert (await alice.recv_type("error"))["code"] == "guidelines"

    # Accepting over the socket: the page's composer comes back without a reload.
    await alice.send({"type": "guidelines.accept"})
    assert (await alice.recv_type("posting"))["denial"] is None
    await alice.send(send_frame("after accepting"))
    assert (await alice.recv_type("message"))["message"]["body"] == "after accepting"


async def test_accepting_guidelines_needs_access(room, outsider, alumnus, connect):
    await db(Room.objects.filter(pk=room.pk).update)(guidelines="Be kind.")
    alice = await connect(alumnus, room.slug)
    await db(Membership.objects.filter(room=room, user=alumnus).update)(left_at="2026-01-01T00:00Z")
    await alice.send({"type": "guidelines.accept"})
    assert (await alice.recv_type("error"))["code"] == "forbidden"
    assert await db(Membership.objects.get)(room=room, user=alumnus) is not None
    assert (await db(Membership.objects.get)(room=room, user=alumnus)).accepted_guidelines_at is None


async def test_a_block_hides_the_other_members_messages_at_once_without_a_reconnect(room, alumnus, alumnus2, connect):
    alice = await connect(alumnus, room.slug)
    bob = await connect(alumnus2, room.slug)

    await db(actions.block_member)(member=alumnus, other=alumnus2)
    frame = await alice.recv_type("block.updated")
    assert frame == {"type": "block.updated", "user_id": alumnus2.pk, "blocked": True}
    # The blocked member is told nothing.
    assert await bob.nothing()

    await bob.send(send_frame("can anyone hear me"))
    await bob.recv_type("message")
    await bob.send({"type": "typing"})
    assert await alice.nothing(timeout=0.5)

    await db(actions.unblock_member)(member=alumnus, other=alumnus2)
    assert (await alice.recv_type("block.updated"))["blocked"] is False
    await bob.send(send_frame("hello again"))
    assert (await alice.recv_type("message"))["message"]["body"] == "hello again"


async def test_a_removed_messages_author_alone_is_told_the_reason(room, alumnus, alumnus2, staff, connect):
    alice = await connect(alumnus, room.slug)
    bob = await connect(alumnus2, room.slug)
    await alice.send(send_frame("buy my stuff at example dot com"))
    message_id = (await alice.recv_type("message"))["message"]["id"]
    await bob.recv_type("message")

    await db(actions.delete_message)(actor=staff, room=room, message_id=message_id, reason="No selling, please.")

    frame = await bob.recv_type("message.deleted")
    assert "No selling" not in str(frame)
    told = await db(lambda: list(Notification.objects.filter(recipient=alumnus).values_list("text", flat=True)))()
    assert len(told) == 1
    assert "No selling, please." in told[0]
    # The removed words are never repeated (a notification may go out by e-mail).
    assert "buy my stuff" not in told[0]
    assert not await db(Notification.objects.filter(recipient=alumnus2, text__contains="No selling").exists)()

    # An author deleting their own message is not notified.
    await alice.send(send_frame("oops"))
    own = (await alice.recv_type("message"))["message"]["id"]
    await db(actions.delete_message)(actor=alumnus, room=room, message_id=own)
    assert await db(Notification.objects.filter(recipient=alumnus).count)() == 1
    assert await db(Message.objects.filter(pk=own, deleted_at__isnull=False).exists)()


async def test_saving_the_settings_form_unchanged_keeps_everyones_acceptance(room, alumnus, staff, connect):
    """A browser sends the guidelines textarea with CRLF line ends: the same
    text must not count as new guidelines."""
    await db(Room.objects.filter(pk=room.pk).update)(guidelines="Be kind.\n\nNo selling.")
    await db(Membership.objects.filter(room=room).update)(accepted_guidelines_at="2026-01-01T00:00Z")
    alice = await connect(alumnus, room.slug)
    await db(actions.update_room_settings)(
        moderator=staff,
        room=room,
        is_locked=True,
        slow_mode_seconds=0,
        guidelines="Be kind.\r\n\r\nNo selling.\r\n",
        description="",
    )
    frame = await alice.recv_type("room.updated")
    assert "guidelines_changed" not in frame
    assert await db(Membership.objects.filter(room=room, accepted_guidelines_at__isnull=True).count)() == 0
    assert (await db(Room.objects.get)(pk=room.pk)).guidelines == "Be kind.\n\nNo selling."


async def test_a_pinned_message_held_after_an_edit_leaves_the_pinned_bar(room, alumnus, alumnus2, staff, connect):
    await db(WatchedWord.objects.create)(word="casino", action=WatchedWord.Action.HOLD, created_by=staff)
    alice = await connect(alumnus, room.slug)
    bob = await connect(alumnus2, room.slug)
    await alice.send(send_frame("meetup notes are in the doc"))
    message_id = (await alice.recv_type("message"))["message"]["id"]
    await db(actions.pin_message)(moderator=staff, room=room, message_id=message_id)
    assert (await bob.recv_type("room.updated"))["room"]["pinned"]["id"] == message_id

    await alice.send({"type": "message.edit", "id": message_id, "body": "best casino deals here"})
    assert (await bob.recv_type("message.deleted"))["id"] == message_id
    frame = await bob.recv_type("room.updated")
    assert frame["room"]["pinned"] is None
    room_row = await db(Room.objects.select_related("pinned_message").get)(pk=room.pk)
    assert room_row.pinned_message_id is None


async def test_editing_a_pinned_message_refreshes_the_pinned_bar(room, alumnus, alumnus2, staff, connect):
    alice = await connect(alumnus, room.slug)
    bob = await connect(alumnus2, room.slug)
    await alice.send(send_frame("group moved to 7pm"))
    message_id = (await alice.recv_type("message"))["message"]["id"]
    await db(actions.pin_message)(moderator=staff, room=room, message_id=message_id)
    await bob.recv_type("room.updated")
    await alice.send({"type": "message.edit", "id": message_id, "body": "group moved to 8pm"})
    frame = await bob.recv_type("room.updated")
    assert "8pm" in frame["room"]["pinned"]["html"]


async def test_guidelines_changed_since_the_page_showed_them_are_not_accepted_unseen(room, alumnus, staff, connect):
    await db(actions.update_room_settings)(
        moderator=staff, room=room, is_locked=False, slow_mode_seconds=0, guidelines="Be kind.", description=""
    )
    alice = await connect(alumnus, room.slug)
    await alice.send({"type": "posting"})
    shown = await alice.recv_type("posting")
    assert shown["denial"] == "guidelines"
    seen = shown["guidelines_version"]

    # A moderator changes them while Alice reads.
    await db(actions.update_room_settings)(
        moderator=staff,
        room=room,
        is_locked=False,
        slow_mode_seconds=0,
        guidelines="Be kind. No selling.",
        description="",
    )
    await alice.send({"type": "guidelines.accept", "version": seen})
    answer = await alice.recv_type("posting")
    assert answer["denial"] == "guidelines"
    assert answer["guidelines"] == "Be kind. No selling."
    assert (await db(Membership.objects.get)(room=room, user=alumnus)).accepted_guidelines_at is None

    await alice.send({"type": "guidelines.accept", "version": answer["guidelines_version"]})
    assert (await alice.recv_type("posting"))["denial"] is None


async def test_the_guidelines_form_refuses_a_stale_version_too(room, alumnus, staff):
    from django.test import Client
    from django.urls import reverse

    await db(actions.update_room_settings)(
        moderator=staff, room=room, is_locked=False, slow_mode_seconds=0, guidelines="Be kind.", description=""
    )
    client = Client()
    await db(client.force_login)(alumnus)
    url = reverse("groups:accept_guidelines", args=[room.slug])
    stale = (await db(Room.objects.get)(pk=room.pk)).settings_change - 1
    await db(client.post)(url, {"version": stale})
    assert (await db(Membership.objects.get)(room=room, user=alumnus)).accepted_guidelines_at is None
    current = (await db(Room.objects.get)(pk=room.pk)).settings_change
    await db(client.post)(url, {"version": current})
    assert (await db(Membership.objects.get)(room=room, user=alumnus)).accepted_guidelines_at is not None
