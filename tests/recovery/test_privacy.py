"""The plan is in the member's export and gone after erasure."""

import json

from alumni.privacy import erase_member, export_member_data
from recovery import actions, privacy
from recovery.models import SafetyPlan

from .conftest import ALICE_PERSON, ALICE_REASON


def test_export_contains_the_whole_plan(alumnus, alice_plan):
    data = export_member_data(alumnus)["safety_plan"]

    assert data["reasons_for_living"] == alice_plan.reasons_for_living
    assert data["help_contacts"] == [{"name": ALICE_PERSON, "phone": "+1 (555) 010-2233"}]
    assert data["professional_contacts"] == [{"name": "Dr. Lee", "phone": "555.010.9000"}]
    assert set(data) == {
        "warning_signs",
        "coping_strategies",
        "distractions",
        "help_contacts",
        "professional_contacts",
        "making_safe",
        "reasons_for_living",
        "rp_triggers",
        "rp_warning_signs",
        "rp_situations",
        "rp_coping_skills",
        "rp_people",
        "created_at",
        "updated_at",
    }
    json.dumps(data)  # JSON-ready


def test_export_without_a_plan_says_so(alumnus):
    assert privacy.export(alumnus)["safety_plan"] is None


def test_export_holds_only_the_members_own_plan(alumnus2, alice_plan):
    text = json.dumps(export_member_data(alumnus2))

    assert ALICE_REASON not in text
    assert '"safety_plan": null' in text


def test_erasure_deletes_the_plan_and_no_one_elses(alumnus, alumnus2, alice_plan, django_capture_on_commit_callbacks):
    actions.save_safety_plan(member=alumnus2, data={"reasons_for_living": "Bob's reasons"})

    with django_capture_on_commit_callbacks(execute=True):
        erase_member(member=alumnus, password_confirmed=True, keep_messages=False)

    assert list(SafetyPlan.objects.values_list("reasons_for_living", flat=True)) == ["Bob's reasons"]
