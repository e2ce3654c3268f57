"""Every change of access closes what it must, seen with an open socket and
asserted by the socket closing (or a refusal), never by a timed silence."""

import uuid

import pytest
from channels.db import database_sync_to_async

from alumni import onboarding
from groups import actions, permissions
from groups.models import Membership, Room

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

db = database_sync_to_async


async def test_moving_cohort_closes_the_old_cohort_rooms_socket_and_refuses_it(
    staff, cohort, other_cohort, alumnus, connect
):
    spring = await db(actions.create_room)(creator=staff, name="Spring", kind=Room.Kind.COHORT, cohort=cohort)
    alice = await connect(alumnus, spring.slug)

    await db(onboarding.set_member_cohort)(staff=staff, member=alumnus, cohort=other_cohort)

    assert await alice.closed() == 4000  # reconnect: access is recomputed
    connected, code, _ = await connect(alumnus, spring.slug, expect_ok=False)
    assert (connected, code) == (False, 4403)


async def test_a_ping_after_losing_the_room_is_refused_and_closes(room, alumnus, connect):
    alice = await connect(alumnus, room.slug)
    await db(Membership.objects.filter(room=room, user=alumnus).update)(left_at=room.created_at)
    await alice.send({"type": "ping"})
    assert (await alice.recv_type("error"))["code"] == "forbidden"
    assert await alice.closed() == 4403


async def test_a_read_marker_after_losing_the_room_is_refused(room, alumnus, alumnus2, connect):
    message = await db(actions.post_message)(author=alumnus2, room=room, body="hi", client_id=uuid.uuid4())
    alice = await connect(alumnus, room.slug)
    await db(Membership.objects.filter(room=room, user=alumnus).update)(left_at=room.created_at)
    await alice.send({"type": "read", "id": message.message.pk})
    assert (await alice.recv_type("error"))["code"] == "forbidden"
    assert await alice.closed() == 4403


@pytest.mark.django_db(transaction=True)
def test_banning_someone_who_is_not_a_member_grants_nothing(staff, moderator, outsider):
    private = actions.create_room(creator=staff, name="Quiet corner", kind=Room.Kind.PRIVATE)
    actions.ban_member(moderator=moderator, member=outsider, room=private, reason="spam elsewhere", days=1)
    membership = Membership.objects.get(room=private, user=outsider)
    assert membership.left_at is not None
    # When the ban lapses they are still not a member of the private room.
    Membership.objects.filter(pk=membership.pk).update(banned_until=None, banned_permanently=False)
    membership.refresh_from_db()
    assert not permissions.can_read_room(outsider, private, membership)
