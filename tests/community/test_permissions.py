"""Every community predicate against every role and account state."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from community import permissions

ROLES = ["anonymous", "alumnus", "moderator", "staff", "suspended_staff", "inactive_moderator"]


@pytest.fixture
def actor(request, db, alumnus, moderator, staff):
    def build(role):
        if role == "anonymous":
            return AnonymousUser()
        if role == "suspended_staff":
            staff.suspended_at = timezone.now()
            return staff
        if role == "inactive_moderator":
            moderator.is_active = False
            return moderator
        return {"alumnus": alumnus, "moderator": moderator, "staff": staff}[role]

    return build


STAFF_ONLY = {"staff"}
MODERATORS = {"moderator", "staff"}
MEMBERS = {"alumnus", "moderator", "staff"}

MATRIX = [
    (permissions.is_active_member, MEMBERS),
    (permissions.is_staff, STAFF_ONLY),
    (permissions.is_site_moderator, MODERATORS),
    (permissions.can_invite, STAFF_ONLY),
    (permissions.can_view_invitations, STAFF_ONLY),
    (permissions.can_manage_roles, STAFF_ONLY),
    (permissions.can_view_audit_log, STAFF_ONLY),
    (permissions.can_edit_crisis_resources, STAFF_ONLY),
    (permissions.can_manage_cohorts, STAFF_ONLY),
    (permissions.can_manage_focus_areas, STAFF_ONLY),
    (permissions.can_use_staff_area, MODERATORS),
    (permissions.can_view_directory, MEMBERS),
    (permissions.requires_mfa, MODERATORS),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("predicate", "allowed"), MATRIX, ids=[p.__name__ for p, _ in MATRIX])
def test_predicate_matrix(actor, role, predicate, allowed):
    assert predicate(actor(role)) is (role in allowed)


@pytest.mark.parametrize("role", ROLES)
def test_can_change_role_of_someone_else_but_never_self(actor, alumnus2, role):
    user = actor(role)

    assert permissions.can_change_role(user, alumnus2) is (role == "staff")
    if role != "anonymous":
        assert permissions.can_change_role(user, user) is False


# (viewer, whose email) -> may see
@pytest.mark.parametrize(
    ("role", "own", "other"),
    [
        ("anonymous", False, False),
        ("alumnus", True, False),
        ("moderator", True, False),
        ("staff", True, True),
        ("suspended_staff", False, False),
        ("inactive_moderator", False, False),
    ],
)
def test_can_see_email(actor, alumnus2, role, own, other):
    user = actor(role)

    assert permissions.can_see_email(user, alumnus2) is other
    if role != "anonymous":
        assert permissions.can_see_email(user, user) is own


# target state -> (alumnus may view, moderator may view)
@pytest.mark.parametrize(
    ("state", "alumnus_sees", "moderator_sees"),
    [
        ("unlisted", False, True),
        ("listed", True, True),
        ("listed_suspended", False, True),
        ("listed_inactive", False, True),
    ],
)
def test_can_view_member_profile(alumnus, alumnus2, moderator, state, alumnus_sees, moderator_sees):
    alumnus2.in_directory = state.startswith("listed")
    if state.endswith("suspended"):
        alumnus2.suspended_at = timezone.now()
    if state.endswith("inactive"):
        alumnus2.is_active = False

    assert permissions.can_view_member_profile(alumnus, alumnus2) is alumnus_sees
    assert permissions.can_view_member_profile(moderator, alumnus2) is moderator_sees
    assert permissions.can_view_member_profile(alumnus2, alumnus2) is (state in ("unlisted", "listed"))
    assert permissions.can_view_member_profile(AnonymousUser(), alumnus2) is False


def test_notification_helper_hides_other_peoples_notifications(alumnus, alumnus2):
    from django.http import Http404

    mine = alumnus.notifications.create(kind="general", text="Mine")
    theirs = alumnus2.notifications.create(kind="general", text="Theirs")

    assert permissions.get_notification_for_recipient_or_404(alumnus, mine.pk) == mine
    for bad in (theirs.pk, 99999, "x"):
        with pytest.raises(Http404):
            permissions.get_notification_for_recipient_or_404(alumnus, bad)
