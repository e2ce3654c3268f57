"""Mentorship helpers on top of the fixed cast in tests/conftest.py.

`mentor` is Mo-free: Bob (alumnus2) graduated a year ago and is an approved
mentor who speaks English and Spanish, free Tuesday and Thursday evenings.
Alice (alumnus) is the usual mentee.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from community.models import FocusArea, User
from tests.conftest import make_member

EVENINGS = ["tue-evening", "thu-evening"]


def graduate(user: User, days_ago: int = 365) -> User:
    User.objects.filter(pk=user.pk).update(graduation_date=timezone.localdate() - timedelta(days=days_ago))
    user.refresh_from_db()
    return user


def apply(user, focus, **overrides):
    from mentorship import actions

    fields = {
        "focus_areas": focus,
        "languages": ["en", "es"],
        "availability": EVENINGS,
        "time_zone": "America/Chicago",
        "meeting_preferences": ["chat", "video"],
        "capacity": 2,
        "bio": "Two years in recovery; happy to listen.",
        "agreed_to_guidelines": True,
    }
    fields.update(overrides)
    return actions.apply_as_mentor(member=user, **fields)


def make_mentor(user, staff, focus, **overrides):
    from mentorship import actions

    graduate(user)
    profile = apply(user, focus, **overrides)
    return actions.approve_mentor(staff=staff, profile=profile, note="Welcome aboard")


def ask(user, focus, **overrides):
    from mentorship import actions

    fields = {
        "focus_areas": focus,
        "goals": "Get through my first months back at work.",
        "languages": ["es"],
        "availability": EVENINGS,
        "time_zone": "America/Chicago",
        "meeting_preferences": ["video"],
    }
    fields.update(overrides)
    return actions.request_mentor(mentee=user, **fields)


@pytest.fixture
def areas(db):
    return {
        slug: FocusArea.objects.create(name=name, slug=slug)
        for slug, name in [("anxiety", "Anxiety"), ("work", "Work & school"), ("grief", "Grief")]
    }


@pytest.fixture
def mentor(alumnus2, staff, areas):
    """Bob: an approved mentor (capacity 2)."""
    make_mentor(alumnus2, staff, [areas["anxiety"], areas["work"]])
    return alumnus2


@pytest.fixture
def mentor_b(db, staff, areas):
    """Erin: a second approved mentor, capacity 1, focus grief."""
    erin = make_member("erin@example.org", "Erin")
    make_mentor(erin, staff, [areas["grief"], areas["anxiety"]], capacity=1)
    return erin


@pytest.fixture
def open_request(alumnus, areas, mentor):
    """Alice's open request; Bob is her top suggestion."""
    return ask(alumnus, [areas["anxiety"], areas["work"]])


@pytest.fixture
def proposal(alumnus, open_request, mentor):
    from mentorship import actions

    return actions.choose_mentor(mentee=alumnus, request=open_request, mentor=mentor)


@pytest.fixture
def active(mentor, proposal):
    from mentorship import actions

    return actions.accept_proposal(member=mentor, mentorship=proposal)


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    """Run tasks in-process: tests/conftest.py sets TASKS_BACKEND only after
    pytest-django has read the settings."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
