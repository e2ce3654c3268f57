"""Safety plan helpers on top of the fixed cast in tests/conftest.py.

Alice's plan is written with words no other page holds, so a negative test
that looks for them would catch a leak."""

import pytest

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
