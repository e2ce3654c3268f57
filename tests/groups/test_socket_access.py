"""Who may open a room socket, and losing access closes it at once."""

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from groups import actions
from groups.models import Membership, Room

from .conftest import send_frame

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_anonymous_is_refused(room, connect):
    connected, code, _ = await connect(None, room.slug, expect_ok=False)
    assert (connected, code) == (False, 4401)


async def test_non_member_of_topic_room_is_refused(room, outsider, connect):
    connected, code, _ = await connect(outsider, room.slug, expect_ok=False)
    assert (connected, code) == (False, 4403)


async def test_missing_room_looks_like_a_forbidden_one(alumnus, connect):
    connected, code, _ = await connect(alumnus, "no-such-room", expect_ok=False)
    assert (connected, code) == (False, 4403)


async def test_banned_member_is_refused(room, banned, connect):
    connected, code, _ = await connect(banned, room.slug, expect_ok=False)
    assert (connected, code) == (False, 4403)


async def test_suspended_member_is_refused(room, alumnus, connect):
    await database_sync_to_async(type(alumnus).objects.filter(pk=alumnus.pk).update)(suspended_at=timezone.now())
    connected, _code, _ = await connect(alumnus, room.slug, expect_ok=False)
    assert connected is False


async def test_foreign_origin_is_refused(room, alumnus, connect):
    connected, _, _ = await connect(alumnus, room.slug, origin=(b"origin", b"https://evil.example"), expect_ok=False)
    assert connected is False


async def test_missing_origin_is_refused(room, alumnus, connect):
    connected, _, _ = await connect(alumnus, room.slug, origin=None, expect_ok=False)
    assert connected is False


async def test_site_moderator_may_open_any_room_without_joining(room, moderator, connect):
    await connect(moderator, room.slug)


async def test_cohort_room_refuses_another_cohort(staff, cohort, alumnus, outsider, connect):
    cohort_room = await database_sync_to_async(actions.create_room)(
        creator=staff, name="Spring", kind=Room.Kind.COHORT, cohort=cohort
    )
    await connect(alumnus, cohort_room.slug)
    connected, code, _ = await connect(outsider, cohort_room.slug, expect_ok=False)
    assert (connected, code) == (False, 4403)


async def test_leaving_closes_the_open_socket(room, alumnus, connect):
    alice = await connect(alumnus, room.slug)
    await database_sync_to_async(actions.leave_room)(member=alumnus, room=room)
    assert await alice.closed() == 4403


async def test_member_removed_between_frames_cannot_send(room, alumnus, connect):
    alice = await connect(alumnus, room.slug)
    await database_sync_to_async(Membership.objects.filter(room=room, user=alumnus).update)(banned_permanently=True)
    await alice.send(send_frame("am I still here?"))
    error = await alice.recv_type("error")
    assert error["code"] == "banned"
    assert await alice.closed() == 4403


async def test_muted_member_reads_but_gets_muted_with_end_time(room, alumnus, alumnus2, connect):
    until = timezone.now() + timezone.timedelta(minutes=30)
    await database_sync_to_async(Membership.objects.filter(room=room, user=alumnus).update)(muted_until=until)
    alice = await connect(alumnus, room.slug)
    bob = await connect(alumnus2, room.slug)
    await alice.send(send_frame("hello?"))
    error = await alice.recv_type("error")
    assert error["code"] == "muted"
    assert error["until"] == until.isoformat()
    await bob.send(send_frame("Alice can still read this"))
    assert (await alice.recv_type("message"))["message"]["body"] == "Alice can still read this"


async def test_locked_room_refuses_members_but_not_moderators(room, alumnus, moderator, connect):
    await database_sync_to_async(Room.objects.filter(pk=room.pk).update)(is_locked=True)
    alice = await connect(alumnus, room.slug)
    mod = await connect(moderator, room.slug)
    await alice.send(send_frame("hi"))
    assert (await alice.recv_type("error"))["code"] == "locked"
    await mod.send(send_frame("Locked for a moment while we tidy up."))
    assert (await alice.recv_type("message"))["message"]["author"]["id"] == moderator.pk


async def test_guidelines_must_be_accepted_before_first_post(room, alumnus, connect):
    await database_sync_to_async(Room.objects.filter(pk=room.pk).update)(guidelines="Be kind.")
    alice = await connect(alumnus, room.slug)
    await alice.send(send_frame("hi"))
    assert (await alice.recv_type("error"))["code"] == "guidelines"
    fresh = await database_sync_to_async(Room.objects.get)(pk=room.pk)
    await database_sync_to_async(actions.accept_guidelines)(member=alumnus, room=fresh)
    await alice.send(send_frame("hi"))
    assert (await alice.recv_type("message"))["message"]["body"] == "hi"


async def test_suspension_takes_effect_on_the_next_frame(room, alumnus, connect):
    alice = await connect(alumnus, room.slug)
    await database_sync_to_async(type(alumnus).objects.filter(pk=alumnus.pk).update)(suspended_at=timezone.now())
    await alice.send(send_frame("hi"))
    assert (await alice.recv_type("error"))["code"] == "forbidden"
