"""Who may message whom: the recipient's "who may message me" setting × the
sender's role and relation × blocks either way × the accounts' state.

Alice is the recipient. Bob shares the topic room with her; Mo mentors her
(a live mentorship room); Charlie (the outsider) shares nothing with her."""

from datetime import timedelta

import pytest
from django.utils import timezone

from community.models import User
from groups import actions, permissions
from groups.models import Block, Membership
from tests.conftest import make_member

pytestmark = pytest.mark.django_db

SENDERS = ("roommate", "mentor", "stranger", "moderator", "staff", "family", "suspended")

# setting: expected per sender, in the order of SENDERS.
# fmt: off
MATRIX = {
    "nobody":      "no  no  no  no  no  no  no",
    "mentors":     "no  yes no  yes yes no  no",
    "shared_room": "yes yes no  yes yes no  no",
}
# fmt: on


@pytest.fixture
def cast(room, alumnus, alumnus2, outsider, moderator, staff, cohort):
    mentor = make_member("mo@example.org", "Mo", cohort=cohort)
    actions.create_mentorship_room(mentor=mentor, mentee=alumnus)
    family = make_member("fam@example.org", "Fam", role="family")
    suspended = make_member("sus@example.org", "Sus", cohort=cohort)
    actions.join_room(member=suspended, room=room)
    User.objects.filter(pk=suspended.pk).update(suspended_at=timezone.now())
    suspended.refresh_from_db()
    return {
        "roommate": alumnus2,
        "mentor": mentor,
        "stranger": outsider,
        "moderator": moderator,
        "staff": staff,
        "family": family,
        "suspended": suspended,
    }


def _set(member, setting):
    User.objects.filter(pk=member.pk).update(direct_messages_from=setting)
    member.refresh_from_db()


@pytest.mark.parametrize("setting", list(MATRIX))
@pytest.mark.parametrize("sender", SENDERS)
def test_who_may_ask(cast, alumnus, setting, sender):
    _set(alumnus, setting)
    expected = dict(zip(SENDERS, MATRIX[setting].split(), strict=True))[sender] == "yes"
    user = cast[sender]

    assert permissions.can_request_direct(user, alumnus) is expected
    # The set form the room page uses agrees with the predicate.
    assert (alumnus.pk in permissions.direct_targets(user, [alumnus])) is expected


@pytest.mark.parametrize("direction", ["she blocked them", "they blocked her"])
@pytest.mark.parametrize("sender", ["roommate", "mentor", "moderator"])
def test_a_block_either_way_means_no(cast, alumnus, direction, sender):
    _set(alumnus, "shared_room")
    user = cast[sender]
    if direction == "she blocked them":
        Block.objects.create(blocker=alumnus, blocked=user)
    else:
        Block.objects.create(blocker=user, blocked=alumnus)

    assert permissions.can_request_direct(user, alumnus) is False
    assert permissions.direct_targets(user, [alumnus]) == set()


@pytest.mark.parametrize("state", ["family", "suspended", "deactivated"])
def test_nobody_may_ask_a_family_suspended_or_deactivated_account(cast, alumnus2, moderator, state):
    target = cast.get(state) or alumnus2
    if state == "deactivated":
        User.objects.filter(pk=target.pk).update(is_active=False)
        target.refresh_from_db()
    _set(target, "shared_room")

    assert permissions.can_request_direct(alumnus2 if target != alumnus2 else moderator, target) is False
    assert permissions.can_request_direct(moderator, target) is False


def test_nobody_asks_themselves(alumnus):
    assert permissions.can_request_direct(alumnus, alumnus) is False


def test_an_ended_mentorship_no_longer_counts(cast, alumnus):
    _set(alumnus, "mentors")
    mentor = cast["mentor"]
    room = alumnus.memberships.get(room__kind="mentorship").room
    actions.close_mentorship_room(room=room)

    assert permissions.can_request_direct(mentor, alumnus) is False


def test_a_banned_roommate_shares_no_room(room, alumnus, banned):
    _set(alumnus, "shared_room")
    assert permissions.can_request_direct(banned, alumnus) is False


@pytest.mark.parametrize(
    ("ban", "shares"),
    [
        ({"banned_permanently": False, "banned_until": None}, True),
        ({"banned_permanently": False, "banned_until": timedelta(minutes=-1)}, True),  # the ban has ended
        ({"banned_permanently": False, "banned_until": timedelta(minutes=5)}, False),
        ({"banned_permanently": False, "banned_until": timedelta(seconds=30)}, False),
    ],
)
@pytest.mark.parametrize("whose", ["hers", "his"])
def test_a_room_ban_counts_while_it_lasts(room, alumnus, banned, ban, shares, whose):
    # Dana (banned in the room for good by the fixture) gets a timed ban instead.
    _set(alumnus, "shared_room")
    values = dict(ban)
    if values["banned_until"] is not None:
        values["banned_until"] = timezone.now() + values["banned_until"]
    member = alumnus if whose == "hers" else banned
    Membership.objects.filter(room=room, user=banned).update(banned_permanently=False)
    Membership.objects.filter(room=room, user=member).update(**values)

    assert permissions.can_request_direct(banned, alumnus) is shares
    assert (alumnus.pk in permissions.direct_targets(banned, [alumnus])) is shares


def test_direct_targets_costs_the_same_for_one_or_many(cast, alumnus, alumnus2, outsider, django_assert_num_queries):
    for member in (alumnus, alumnus2, outsider):
        _set(member, "shared_room")
    user = cast["mentor"]
    # 1 blocks either way, 2 open direct rooms with them, 3 live mentorships,
    # 4 shared group rooms.
    with django_assert_num_queries(4):
        one = permissions.direct_targets(user, [alumnus])
    with django_assert_num_queries(4):
        many = permissions.direct_targets(user, [alumnus, alumnus2, outsider])
    assert one == {alumnus.pk}
    assert many == {alumnus.pk}
