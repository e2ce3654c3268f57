"""Every meetup permission predicate, role by state."""

import pytest

from events import actions, permissions
from events.models import RSVP, CalendarPolicy

from .conftest import make_event

ROLES = ["alumnus", "alumnus2", "moderator", "staff", "outsider"]


@pytest.mark.parametrize(
    ("role", "moderators_may_post", "expected"),
    [
        ("alumnus", False, False),
        ("alumnus", True, False),
        ("moderator", False, False),
        ("moderator", True, True),
        ("staff", False, True),
        ("staff", True, True),
        ("outsider", True, False),
    ],
)
def test_can_post_meetups(request, role, moderators_may_post, expected):
    policy = CalendarPolicy(pk=1, moderators_may_post=moderators_may_post)

    assert permissions.can_post_meetups(request.getfixturevalue(role), policy) is expected


def test_suspended_staff_may_not_post(staff):
    from django.utils import timezone

    staff.suspended_at = timezone.now()

    assert permissions.can_post_meetups(staff) is False


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        ("all", {"alumnus": True, "alumnus2": True, "moderator": True, "staff": True, "outsider": True}),
        ("cohort", {"alumnus": True, "alumnus2": True, "moderator": True, "staff": True, "outsider": False}),
        ("room", {"alumnus": True, "alumnus2": True, "moderator": True, "staff": True, "outsider": False}),
    ],
)
def test_can_see_event_by_audience(request, staff, cohort, room, audience, expected):
    event = make_event(
        staff,
        audience=audience,
        audience_cohort=cohort if audience == "cohort" else None,
        audience_room=room if audience == "room" else None,
    )

    seen = {role: permissions.can_see_event(request.getfixturevalue(role), event) for role in ROLES}

    assert seen == expected


def test_banned_room_member_cannot_see_the_room_meetup(staff, room, banned):
    event = make_event(staff, audience="room", audience_room=room)

    assert permissions.can_see_event(banned, event) is False


@pytest.mark.parametrize(
    ("role", "status", "expected"),
    [
        ("alumnus", "going", True),
        ("alumnus", "waitlisted", False),
        ("alumnus", "not_going", False),
        ("alumnus", None, False),
        ("moderator", None, True),  # the host
        ("staff", None, True),
        ("outsider", None, False),
    ],
)
def test_can_see_meeting_link(request, staff, moderator, role, status, expected):
    occ = make_event(staff, host=moderator).occurrences.get()
    user = request.getfixturevalue(role)
    rsvp = RSVP(occurrence=occ, member=user, status=status) if status else None

    assert permissions.can_see_meeting_link(user, occ, rsvp) is expected


def test_nobody_sees_a_link_an_in_person_meetup_does_not_have(staff):
    occ = make_event(staff, format="in_person", address="Hall", meeting_url="").occurrences.get()

    assert permissions.can_see_meeting_link(staff, occ, None) is False


@pytest.mark.parametrize(
    ("role", "expected"), [("alumnus", False), ("moderator", True), ("staff", True), ("outsider", False)]
)
def test_can_take_attendance(request, staff, moderator, role, expected):
    event = make_event(staff, host=moderator)

    assert permissions.can_take_attendance(request.getfixturevalue(role), event) is expected


@pytest.mark.parametrize(("role", "expected"), [("alumnus", False), ("moderator", False), ("staff", True)])
def test_can_export_emails(request, role, expected):
    assert permissions.can_export_emails(request.getfixturevalue(role)) is expected


def test_can_manage_event_follows_the_policy_for_the_posting_moderator(staff, moderator):
    actions.set_calendar_policy(staff=staff, moderators_may_post=True)
    mine = make_event(moderator)
    allowed = permissions.can_manage_event(moderator, mine)
    actions.set_calendar_policy(staff=staff, moderators_may_post=False)

    assert (allowed, permissions.can_manage_event(moderator, mine), permissions.can_manage_event(staff, mine)) == (
        True,
        False,
        True,
    )
