"""Every mentorship permission predicate: role × state matrices."""

import pytest
from django.http import Http404
from django.utils import timezone

from community.models import User
from mentorship import permissions
from mentorship.models import MentorProfile, Mentorship

from .conftest import ask

ROLES = ["mentee", "mentor", "moderator", "staff", "outsider", "suspended_mentee"]


@pytest.fixture
def cast(alumnus, mentor, moderator, staff, outsider):
    return {"mentee": alumnus, "mentor": mentor, "moderator": moderator, "staff": staff, "outsider": outsider}


def _as(cast, role):
    if role == "suspended_mentee":
        user = cast["mentee"]
        User.objects.filter(pk=user.pk).update(suspended_at=timezone.now())
        user.refresh_from_db()
        return user
    return cast[role]


def _in_state(mentorship, status):
    Mentorship.objects.filter(pk=mentorship.pk).update(status=status)
    mentorship.refresh_from_db()
    return mentorship


#           mentee mentor moderator staff outsider suspended
VIEW = {
    "draft": [0, 0, 0, 1, 0, 0],
    "proposed": [1, 1, 0, 1, 0, 0],
    "active": [1, 1, 0, 1, 0, 0],
    "ended": [1, 1, 0, 1, 0, 0],
}
PRIVATE = {  # the mentee's focus areas and goals
    "draft": [1, 0, 0, 1, 0, 0],
    "proposed": [1, 0, 0, 1, 0, 0],
    "active": [1, 1, 0, 1, 0, 0],
    "ended": [1, 0, 0, 1, 0, 0],
}
END = {
    "draft": [0, 0, 0, 0, 0, 0],
    "proposed": [0, 0, 0, 0, 0, 0],
    "active": [1, 1, 0, 0, 0, 0],
    "ended": [0, 0, 0, 0, 0, 0],
}


@pytest.mark.parametrize("status", list(VIEW))
@pytest.mark.parametrize("role", ROLES)
def test_view_private_and_end_matrix(cast, proposal, role, status):
    mentorship = _in_state(proposal, status)
    user = _as(cast, role)
    i = ROLES.index(role)

    assert permissions.can_view_mentorship(user, mentorship) is bool(VIEW[status][i])
    assert permissions.can_see_mentee_private(user, mentorship) is bool(PRIVATE[status][i])
    assert permissions.can_end(user, mentorship) is bool(END[status][i])


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("mentee", False),  # the mentee asked, so already accepted
        ("mentor", True),
        ("moderator", False),
        ("staff", False),
        ("outsider", False),
        ("suspended_mentee", False),
    ],
)
def test_can_respond_to_a_self_serve_ask(cast, proposal, role, expected):
    assert permissions.can_respond(_as(cast, role), proposal) is expected


def test_cannot_respond_after_expiry(mentor, proposal):
    Mentorship.objects.filter(pk=proposal.pk).update(expires_at=timezone.now())
    proposal.refresh_from_db()

    assert permissions.can_respond(mentor, proposal) is False


@pytest.mark.parametrize(
    ("role", "expected"), [("mentee", True), ("mentor", False), ("staff", False), ("outsider", False)]
)
def test_can_cancel_proposal(cast, proposal, role, expected):
    assert permissions.can_cancel_proposal(_as(cast, role), proposal) is expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [("mentee", False), ("mentor", False), ("moderator", False), ("staff", True), ("outsider", False)],
)
def test_can_manage_mentoring(cast, role, expected):
    assert permissions.can_manage_mentoring(_as(cast, role)) is expected


@pytest.mark.parametrize(
    ("state", "pause", "resume"),
    [("approved", True, False), ("paused", False, True), ("pending", False, False), ("retired", False, False)],
)
def test_pause_and_resume_by_profile_state(mentor, state, pause, resume):
    profile = MentorProfile.objects.get(user=mentor)
    if state == "paused":
        profile.paused_at = timezone.now()
    elif state != "approved":
        profile.status = state

    assert (permissions.can_pause(mentor, profile), permissions.can_resume(mentor, profile)) == (pause, resume)


def test_someone_else_cannot_pause_a_mentor(alumnus, mentor):
    assert permissions.can_pause(alumnus, MentorProfile.objects.get(user=mentor)) is False


@pytest.mark.parametrize(
    ("role", "reason"),
    [
        ("mentee", ""),
        ("moderator", ""),
        ("staff", "Only alumni can ask for a mentor."),
        ("suspended_mentee", "Only alumni can ask for a mentor."),
    ],
)
def test_request_denial_by_role(cast, role, reason):
    assert permissions.request_denial(_as(cast, role)) == reason


def test_access_helper_hides_drafts_and_others_mentorships_the_same_way(cast, proposal, areas):
    draft = Mentorship.objects.create(
        mentor=cast["mentor"],
        mentee=cast["outsider"],
        request=ask(cast["outsider"], [areas["grief"]]),
        status="draft",
        source="staff",
    )

    for pk in (draft.pk, proposal.pk, 999999, "x"):
        with pytest.raises(Http404, match=r"No such mentorship\."):
            permissions.get_mentorship_or_404(cast["moderator"], pk)
    assert permissions.get_mentorship_or_404(cast["staff"], draft.pk) == draft
