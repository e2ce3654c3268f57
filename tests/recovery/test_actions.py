"""save_safety_plan and delete_safety_plan: validation, normalising, no audit."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from community.models import AuditLog
from recovery import actions
from recovery.models import Contact, SafetyPlan

from .conftest import ALICE_PERSON, plan_data


def test_save_creates_then_replaces_the_one_plan(alumnus):
    first = actions.save_safety_plan(member=alumnus, data=plan_data())
    second = actions.save_safety_plan(member=alumnus, data={"warning_signs": "  only this  "})

    plan = SafetyPlan.objects.get()
    assert first.pk == second.pk == plan.pk
    assert (plan.warning_signs, plan.reasons_for_living, plan.help_contacts) == ("only this", "", [])


def test_save_writes_no_audit_row(alumnus):
    actions.save_safety_plan(member=alumnus, data=plan_data())
    actions.delete_safety_plan(member=alumnus)

    assert AuditLog.objects.count() == 0


def test_save_strips_contacts_and_drops_blank_rows(alumnus):
    plan = actions.save_safety_plan(
        member=alumnus,
        data={"help_contacts": [{"name": " Kim ", "phone": " 555 010 4477 "}, {"name": "", "phone": ""}]},
    )

    assert plan.help_contacts == [{"name": "Kim", "phone": "555 010 4477"}]
    assert plan.help_people == [Contact("Kim", "555 010 4477")]
    assert plan.help_people[0].tel == "tel:5550104477"


def test_save_turns_windows_line_ends_into_lines(alumnus):
    plan = actions.save_safety_plan(member=alumnus, data={"coping_strategies": "Walk\r\nMusic\r\n\r\n"})

    assert plan.coping_lines == ["Walk", "Music"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"help_contacts": [{"name": "Kim", "phone": "tel:555"}]}, "help_contacts"),
        ({"help_contacts": [{"name": "Kim", "phone": "12"}]}, "help_contacts"),
        ({"professional_contacts": [{"name": "", "phone": "988"}]}, "professional_contacts"),
        ({"professional_contacts": [{"name": "988", "phone": "988", "url": "x"}]}, "professional_contacts"),
        ({"professional_contacts": ["988"]}, "professional_contacts"),
        ({"help_contacts": "Kim 555 0104"}, "help_contacts"),
        ({"help_contacts": [{"name": f"P{n}", "phone": "988"} for n in range(6)]}, "help_contacts"),
        ({"help_contacts": [{"name": "K" * 101, "phone": "988"}]}, "help_contacts"),
        ({"warning_signs": "x" * 2001}, "warning_signs"),
        ({"warning_signs": ["a list"]}, "warning_signs"),
    ],
)
def test_save_rejects_bad_input_and_changes_nothing(alumnus, alice_plan, data, field):
    with pytest.raises(ValidationError) as caught:
        actions.save_safety_plan(member=alumnus, data=data)

    assert list(caught.value.message_dict) == [field]
    assert SafetyPlan.objects.get().help_contacts == alice_plan.help_contacts
    assert SafetyPlan.objects.get().warning_signs == alice_plan.warning_signs


def test_save_rejects_fields_that_are_not_part_of_a_plan(alumnus):
    with pytest.raises(ValidationError, match="member"):
        actions.save_safety_plan(member=alumnus, data={"member": 7})

    assert SafetyPlan.objects.exists() is False


def test_contact_errors_name_the_row(alumnus):
    with pytest.raises(ValidationError) as caught:
        actions.save_safety_plan(
            member=alumnus, data={"help_contacts": [{"name": "Kim", "phone": "988"}, {"name": "Jo", "phone": "1"}]}
        )

    assert caught.value.message_dict == {"help_contacts": ["Contact 2: A phone number has 3 to 20 digits."]}


def test_suspended_member_cannot_save_or_delete(alumnus, alice_plan):
    alumnus.suspended_at = timezone.now()

    with pytest.raises(PermissionDenied):
        actions.save_safety_plan(member=alumnus, data=plan_data(reasons_for_living="changed"))
    with pytest.raises(PermissionDenied):
        actions.delete_safety_plan(member=alumnus)

    assert SafetyPlan.objects.get().reasons_for_living == alice_plan.reasons_for_living


def test_delete_says_whether_there_was_a_plan(alumnus, alumnus2, alice_plan):
    assert actions.delete_safety_plan(member=alumnus2) is False
    assert actions.delete_safety_plan(member=alumnus) is True
    assert SafetyPlan.objects.exists() is False


def test_plan_str_does_not_name_the_member(alice_plan):
    assert str(alice_plan) == f"Safety plan #{alice_plan.pk}"
    assert ALICE_PERSON not in str(alice_plan)
    assert "Alice" not in str(alice_plan)
