"""Who may use push, and which categories each role may switch on."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

from community.models import User
from community.push import permissions
from community.push.models import Category, PushSubscription
from tests.conftest import make_member

pytestmark = pytest.mark.django_db

EVERYDAY = [c.value for c in Category if c != Category.CRISIS]


@pytest.mark.parametrize(
    ("role", "state", "may_use", "categories"),
    [
        ("alumnus", "active", True, EVERYDAY),
        ("moderator", "active", True, [c.value for c in Category]),
        ("staff", "active", True, [c.value for c in Category]),
        ("family", "active", True, EVERYDAY),
        ("alumnus", "suspended", False, []),
        ("moderator", "suspended", False, []),
        ("alumnus", "deactivated", False, []),
    ],
)
def test_push_by_role_and_state(role, state, may_use, categories):
    user = make_member(
        f"{role}-{state}@example.org",
        f"{role} {state}",
        role=role,
        is_active=state != "deactivated",
        suspended_at=timezone.now() if state == "suspended" else None,
    )

    assert permissions.can_use_push(user) is may_use
    assert permissions.categories_for(user) == categories


def test_anonymous_may_not_use_push():
    assert permissions.can_use_push(AnonymousUser()) is False
    assert permissions.categories_for(AnonymousUser()) == []


def test_someone_elses_subscription_looks_missing(alumnus, alumnus2):
    theirs = PushSubscription.objects.create(
        member=alumnus2, endpoint="https://fcm.googleapis.com/fcm/send/bob", p256dh="x", auth="y"
    )

    with pytest.raises(Http404) as not_yours:
        permissions.get_subscription_for_member_or_404(alumnus, theirs.endpoint)
    with pytest.raises(Http404) as missing:
        permissions.get_subscription_for_member_or_404(alumnus, "https://fcm.googleapis.com/fcm/send/none")

    assert str(not_yours.value) == str(missing.value)
    assert permissions.get_subscription_for_member_or_404(alumnus2, theirs.endpoint) == theirs


def test_family_role_exists():
    # The matrix above names the family role; this fails loudly if it is renamed.
    assert User.Role.FAMILY == "family"
