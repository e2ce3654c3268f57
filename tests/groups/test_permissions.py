"""groups.permissions: every predicate, role × room state."""

import pytest
from django.utils import timezone

from groups import actions, permissions
from groups.models import Membership, Room


@pytest.fixture
def cast(room, alumnus, alumnus2, moderator, staff, outsider, banned):
    return {"alumnus": alumnus, "moderator": moderator, "staff": staff, "outsider": outsider, "banned": banned}


def state(room, user):
    return room, permissions.get_membership(user, room)


@pytest.mark.parametrize(
    ("who", "see", "read", "post", "moderate"),
    [
        ("alumnus", True, True, True, False),
        ("outsider", True, False, False, False),  # a topic room shows in the directory; join first
        ("banned", False, False, False, False),
        ("moderator", True, True, True, True),
        ("staff", True, True, True, True),
    ],
)
def test_topic_room_matrix(cast, room, who, see, read, post, moderate):
    user = cast[who]
    r, m = state(room, user)
    assert permissions.can_see_room(user, r, m) is see
    assert permissions.can_read_room(user, r, m) is read
    assert permissions.can_post(user, r, m) is post
    assert permissions.can_moderate_room(user, r, m) is moderate


@pytest.mark.parametrize(
    ("who", "see", "read"),
    [("alumnus", True, True), ("outsider", False, False), ("moderator", True, True), ("staff", True, True)],
)
def test_cohort_room_matrix(cast, staff, cohort, who, see, read):
    cohort_room = actions.create_room(creator=staff, name="Spring", kind=Room.Kind.COHORT, cohort=cohort)
    user = cast[who]
    r, m = state(cohort_room, user)
    assert permissions.can_see_room(user, r, m) is see
    assert permissions.can_read_room(user, r, m) is read


@pytest.mark.parametrize(
    ("who", "see"),
    [("alumnus", False), ("outsider", False), ("banned", False), ("moderator", True), ("staff", True)],
)
def test_staff_room_matrix(cast, staff, who, see):
    staff_room = actions.create_room(creator=staff, name="Moderators", kind=Room.Kind.STAFF)
    user = cast[who]
    r, m = state(staff_room, user)
    assert permissions.can_see_room(user, r, m) is see
    assert permissions.can_read_room(user, r, m) is see


@pytest.mark.parametrize(
    ("who", "read"), [("alumnus", True), ("outsider", False), ("moderator", False), ("staff", False)]
)
def test_mentorship_room_is_only_for_its_two_members(cast, alumnus, moderator, who, read):
    mentorship = actions.create_mentorship_room(mentor=moderator, mentee=alumnus) if who != "moderator" else None
    if who == "moderator":
        mentorship = actions.create_mentorship_room(mentor=cast["staff"], mentee=alumnus)
    user = cast[who]
    r, m = state(mentorship, user)
    assert permissions.can_read_room(user, r, m) is read
    assert (r in Room.objects.visible_to(user)) is read


def test_private_room_needs_an_invitation(cast, moderator, alumnus, outsider):
    private = actions.create_room(creator=moderator, name="Night shift workers", kind=Room.Kind.PRIVATE)
    assert not permissions.can_see_room(alumnus, *state(private, alumnus)[0:1], None)
    actions.invite_to_private_room(moderator=moderator, room=private, member=alumnus)
    assert permissions.can_read_room(alumnus, *state(private, alumnus))
    assert not permissions.can_read_room(outsider, *state(private, outsider))
    assert not permissions.can_join_room(outsider, *state(private, outsider))


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("none", None),
        ("muted", "muted"),
        ("mute_expired", None),
        ("locked", "locked"),
        ("guidelines", "guidelines"),
        ("banned_until_future", "banned"),
        ("ban_expired", None),
        ("left", "forbidden"),
    ],
)
def test_post_denial_reasons(room, alumnus, condition, expected):
    now = timezone.now()
    changes = {
        "muted": {"muted_until": now + timezone.timedelta(hours=1)},
        "mute_expired": {"muted_until": now - timezone.timedelta(minutes=1)},
        "banned_until_future": {"banned_until": now + timezone.timedelta(days=1)},
        "ban_expired": {"banned_until": now - timezone.timedelta(days=1)},
        "left": {"left_at": now},
    }.get(condition, {})
    Membership.objects.filter(room=room, user=alumnus).update(**changes)
    if condition == "locked":
        Room.objects.filter(pk=room.pk).update(is_locked=True)
    if condition == "guidelines":
        Room.objects.filter(pk=room.pk).update(guidelines="Be kind.")
    fresh = Room.objects.get(pk=room.pk)
    assert permissions.post_denial(alumnus, fresh, permissions.get_membership(alumnus, fresh)) == expected


def test_room_moderator_moderates_only_their_room(room, alumnus, staff):
    Membership.objects.filter(room=room, user=alumnus).update(role=Membership.Role.MODERATOR)
    other = actions.create_room(creator=staff, name="Other")
    actions.join_room(member=alumnus, room=other)
    assert permissions.can_moderate_room(alumnus, room, permissions.get_membership(alumnus, room))
    assert not permissions.can_moderate_room(alumnus, other, permissions.get_membership(alumnus, other))


@pytest.mark.parametrize(
    ("who", "allowed"), [("alumnus", False), ("outsider", False), ("moderator", True), ("staff", True)]
)
def test_who_creates_rooms(cast, who, allowed):
    assert permissions.can_create_room(cast[who]) is allowed


def test_anonymous_can_do_nothing(room):
    from django.contrib.auth.models import AnonymousUser

    anon = AnonymousUser()
    assert not permissions.can_see_room(anon, room, None)
    assert not permissions.can_read_room(anon, room, None)
    assert permissions.post_denial(anon, room, None) == "forbidden"
    assert list(Room.objects.visible_to(anon)) == []
