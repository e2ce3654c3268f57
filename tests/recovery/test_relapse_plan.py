"""The relapse-prevention section of the member's own plan."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from recovery import actions
from recovery.models import SafetyPlan

from .conftest import ALICE_REASON

pytestmark = pytest.mark.django_db


def relapse_form(**overrides) -> dict:
    data = {
        "rp_triggers": "Alice-trigger: payday",
        "rp_warning_signs": "Skipping meetings",
        "rp_coping_skills": "Urge surfing",
    }
    for n in range(1, 6):
        data[f"situation_{n}"] = ""
        data[f"situation_{n}_plan"] = ""
        data[f"person_{n}_name"] = ""
        data[f"person_{n}_phone"] = ""
    data.update(overrides)
    return data


def test_save_keeps_the_safety_steps(alumnus, alice_plan):
    actions.save_relapse_plan(
        member=alumnus,
        data={
            "rp_triggers": "payday",
            "rp_situations": [{"situation": "Office party", "plan": "Leave at 9, call Sam"}],
        },
    )

    plan = SafetyPlan.objects.get(member=alumnus)
    assert plan.reasons_for_living == alice_plan.reasons_for_living
    assert plan.rp_situations == [{"situation": "Office party", "plan": "Leave at 9, call Sam"}]


def test_bad_situations_change_nothing(alumnus):
    with pytest.raises(ValidationError):
        actions.save_relapse_plan(member=alumnus, data={"rp_situations": [{"situation": "", "plan": "x"}]})
    with pytest.raises(ValidationError):
        actions.save_relapse_plan(member=alumnus, data={"rp_people": [{"name": "Kim", "phone": "call me"}]})

    assert SafetyPlan.objects.count() == 0


def test_form_saves_and_the_plan_page_shows_it(client, alumnus):
    client.force_login(alumnus)

    response = client.post(
        reverse("recovery:relapse_edit"),
        relapse_form(
            situation_1="Office party",
            situation_1_plan="Leave at 9",
            person_1_name="Kim",
            person_1_phone="555-010-4477",
        ),
    )

    assert response.status_code == 302
    body = client.get(reverse("recovery:plan")).content.decode()
    assert "My relapse-prevention plan" in body
    assert "Office party" in body
    assert 'href="tel:5550104477"' in body


def test_form_refuses_a_plan_without_its_situation(client, alumnus):
    client.force_login(alumnus)

    response = client.post(reverse("recovery:relapse_edit"), relapse_form(situation_2_plan="Leave"))

    assert response.status_code == 400
    assert SafetyPlan.objects.count() == 0


def test_the_chat_support_card_shows_the_relapse_section(client, alumnus, alice_plan):
    actions.save_relapse_plan(member=alumnus, data={"rp_coping_skills": "Alice-coping-skill: HALT"})
    client.force_login(alumnus)

    body = client.get(reverse("recovery:plan_card")).content.decode()

    assert ALICE_REASON in body
    assert "Alice-coping-skill: HALT" in body


@pytest.mark.parametrize("who", ["alumnus2", "moderator", "staff"])
def test_nobody_else_sees_it(client, request, alumnus, who):
    actions.save_relapse_plan(member=alumnus, data={"rp_triggers": "Alice-trigger: payday"})
    client.force_login(request.getfixturevalue(who))

    for url in (reverse("recovery:plan"), reverse("recovery:relapse_edit"), reverse("recovery:plan_card")):
        assert "Alice-trigger" not in client.get(url).content.decode()
