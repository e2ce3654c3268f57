"""can_edit_safety_plan and own_safety_plan against every role and account state."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from recovery import permissions

ROLES = ["anonymous", "alumnus", "moderator", "staff", "banned", "suspended", "inactive"]
MEMBERS = {"alumnus", "moderator", "staff", "banned"}  # a room ban is not a site ban


@pytest.fixture
def actor(db, alumnus, moderator, staff, banned, room):
    def build(role):
        if role == "anonymous":
            return AnonymousUser()
        if role == "suspended":
            alumnus.suspended_at = timezone.now()
            return alumnus
        if role == "inactive":
            alumnus.is_active = False
            return alumnus
        return {"alumnus": alumnus, "moderator": moderator, "staff": staff, "banned": banned}[role]

    return build


@pytest.mark.parametrize("role", ROLES)
def test_can_edit_safety_plan(actor, role):
    assert permissions.can_edit_safety_plan(actor(role)) is (role in MEMBERS)


@pytest.mark.parametrize("role", ["suspended", "inactive"])
def test_own_safety_plan_is_none_for_a_closed_account(actor, alice_plan, role):
    assert permissions.own_safety_plan(actor(role)) is None


def test_own_safety_plan_is_the_requesters_own(alumnus, alumnus2, alice_plan):
    assert permissions.own_safety_plan(alumnus) == alice_plan
    assert permissions.own_safety_plan(alumnus2) is None
