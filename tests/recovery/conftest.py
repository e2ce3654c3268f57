"""Safety plan helpers on top of the fixed cast in tests/conftest.py.

Alice's plan is written with words no other page holds, so a negative test
that looks for them would catch a leak."""

import pytest
from django.utils import timezone

ALICE_REASON = "Alice-reason: my daughter Maya"
ALICE_PERSON = "Alice-person: Aunt Ruth"
ALICE_COPING = "Alice-coping: run by the river"


def plan_data(**overrides) -> dict:
    data = {
        "warning_signs": "I stop answering texts\nI sleep all day",
        "coping_strategies": f"{ALICE_COPING}\nCold water and slow breathing",
        "distractions": "The climbing gym",
        "help_contacts": [{"name": ALICE_PERSON, "phone": "+1 (555) 010-2233"}],
        "professional_contacts": [{"name": "Dr. Lee", "phone": "555.010.9000"}],
        "making_safe": "My sister keeps my spare medication",
        "reasons_for_living": f"{ALICE_REASON}\nSeeing the sea again",
    }
    data.update(overrides)
    return data


def form_data(**overrides) -> dict:
    """What the edit form posts: text steps and five name/phone rows per list."""
    data = {
        "warning_signs": "I stop answering texts",
        "coping_strategies": ALICE_COPING,
        "distractions": "",
        "making_safe": "",
        "reasons_for_living": ALICE_REASON,
    }
    for prefix in ("help", "professional"):
        for number in range(1, 6):
            data[f"{prefix}_{number}_name"] = ""
            data[f"{prefix}_{number}_phone"] = ""
    data.update(overrides)
    return data


@pytest.fixture
def alice_plan(alumnus):
    from recovery import actions

    return actions.save_safety_plan(member=alumnus, data=plan_data())


# --- Check-ins -----------------------------------------------------------------------

ALICE_NOTE = "Alice-note: the anniversary was hard"


def answers(**overrides) -> dict:
    """A calm week, as the check-in form posts it (strings)."""
    data = {
        "phq2_interest": "0",
        "phq2_down": "1",
        "gad2_nervous": "1",
        "gad2_worry": "0",
        "craving": "2",
        "sleep": "4",
        "stress": "2",
        "days_used": "0",
        "attended": ["meeting", "meetup"],
        "protective": "people",
        "safety": "safe",
        "note": ALICE_NOTE,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_data(**overrides) -> dict:
    return answers(**overrides)


def checkin_at(member, when, **overrides):
    from recovery import actions

    return actions.save_checkin(member=member, data=answers(**overrides), now=when).checkin


def make_mentorship(mentor, mentee, status="active"):
    from mentorship.models import MentorRequest, Mentorship

    request = MentorRequest.objects.create(
        mentee=mentee,
        goals="",
        status="matched",
        languages=["en"],
        availability=["tue-evening"],
        time_zone="America/Chicago",
        meeting_preferences=["chat"],
    )
    return Mentorship.objects.create(
        mentor=mentor,
        mentee=mentee,
        request=request,
        status=status,
        source="self",
        started_at=timezone.now(),
    )


@pytest.fixture
def mentorship(alumnus, alumnus2):
    """Bob mentors Alice (active)."""
    return make_mentorship(alumnus2, alumnus)
