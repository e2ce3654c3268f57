"""Becoming a mentor: eligibility, applying, staff decisions, pause, retire."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from community.models import AuditLog, Notification
from mentorship import actions, permissions
from mentorship.models import MatchingSettings, MentorProfile, Mentorship

from .conftest import apply, graduate


@pytest.mark.parametrize(
    ("days_ago", "months_setting", "eligible"),
    [
        (365, 6, True),
        (190, 6, True),
        (150, 6, False),
        (150, 4, True),
        (0, 0, True),
    ],
)
def test_mentor_eligibility_follows_the_staff_setting(alumnus, days_ago, months_setting, eligible):
    graduate(alumnus, days_ago)
    MatchingSettings.objects.update_or_create(pk=1, defaults={"min_months_since_graduation": months_setting})

    assert (permissions.mentor_eligibility(alumnus) == "") is eligible


def test_apply_too_soon_is_refused_with_the_date_and_changes_nothing(alumnus, areas):
    graduate(alumnus, 30)

    with pytest.raises(ValidationError, match="at least 6 months ago"):
        apply(alumnus, [areas["anxiety"]])
    assert MentorProfile.objects.count() == 0


def test_apply_without_graduation_date_is_refused(alumnus, areas):
    alumnus.cohort.graduation_date = None
    alumnus.cohort.save()
    with pytest.raises(ValidationError, match="graduation date"):
        apply(alumnus, [areas["anxiety"]])


def test_staff_cannot_apply(staff, areas):
    with pytest.raises(ValidationError, match="Only alumni"):
        apply(staff, [areas["anxiety"]])


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"agreed_to_guidelines": False}, "mentor guidelines"),
        ({"capacity": 6}, "less than or equal to 5"),
        ({"capacity": 0}, "greater than or equal to 1"),
        ({"languages": []}, "at least one language"),
        ({"languages": ["xx"]}, "at least one language"),
        ({"availability": ["someday"]}, "weekday-part"),
        ({"meeting_preferences": ["carrier pigeon"]}, "one way to meet"),
        ({"time_zone": "Mars/Olympus"}, "not a known time zone"),
        ({"bio": ""}, "cannot be blank"),
        ({"focus_areas": []}, "focus area"),
    ],
)
def test_apply_with_bad_input_is_refused_and_changes_nothing(alumnus, areas, override, message):
    graduate(alumnus)
    fields = {"focus_areas": [areas["anxiety"]], **override}
    focus = fields.pop("focus_areas")

    with pytest.raises(ValidationError, match=message):
        apply(alumnus, focus, **fields)
    assert MentorProfile.objects.count() == 0


def test_apply_stores_the_application_and_tells_staff(alumnus, staff, areas):
    graduate(alumnus)

    profile = apply(
        alumnus,
        [areas["anxiety"], areas["work"]],
        availability=["thu-evening", "tue-evening"],
        gender="woman",
        recovery_pathway="smart",
    )

    profile.refresh_from_db()
    assert (profile.status, profile.availability, profile.gender, profile.recovery_pathway) == (
        "pending",
        ["tue-evening", "thu-evening"],
        "woman",
        "smart",
    )
    assert sorted(a.slug for a in profile.focus_areas.all()) == ["anxiety", "work"]
    assert profile.agreed_guidelines_at is not None
    assert list(Notification.objects.filter(recipient=staff).values_list("text", flat=True)) == [
        "Alice applied to be a mentor."
    ]


def test_apply_twice_is_refused(alumnus, areas):
    graduate(alumnus)
    apply(alumnus, [areas["anxiety"]])

    with pytest.raises(ValidationError, match="already applied"):
        apply(alumnus, [areas["anxiety"]])


def test_approve_makes_the_mentor_matchable_notifies_and_audits(alumnus, staff, areas):
    graduate(alumnus)
    profile = apply(alumnus, [areas["anxiety"]])

    actions.approve_mentor(staff=staff, profile=profile, note="Welcome!")

    profile.refresh_from_db()
    assert (profile.status, profile.decided_by, profile.decision_note) == ("approved", staff, "Welcome!")
    assert list(MentorProfile.objects.matchable()) == [profile]
    assert Notification.objects.get(recipient=alumnus).text == (
        "Your mentor application was approved. Thank you! Welcome!"
    )
    assert AuditLog.objects.get(action="mentor.approve").details == {"note": "Welcome!"}


def test_decline_needs_a_note(alumnus, staff, areas):
    graduate(alumnus)
    profile = apply(alumnus, [areas["anxiety"]])

    with pytest.raises(ValidationError, match="note"):
        actions.decline_mentor(staff=staff, profile=profile, note="  ")
    profile.refresh_from_db()
    assert profile.status == "pending"


def test_decline_with_note_then_reapply(alumnus, staff, areas):
    graduate(alumnus)
    profile = apply(alumnus, [areas["anxiety"]])

    actions.decline_mentor(staff=staff, profile=profile, note="Let's talk at the next alumni night.")
    again = apply(alumnus, [areas["work"]])

    assert (again.pk, again.status, again.decision_note) == (profile.pk, "pending", "")
    assert Notification.objects.filter(recipient=alumnus, text__contains="next alumni night").exists()


@pytest.mark.parametrize("who", ["alumnus2", "moderator"])
def test_only_staff_decide(request, alumnus, areas, who):
    graduate(alumnus)
    profile = apply(alumnus, [areas["anxiety"]])

    with pytest.raises(PermissionDenied):
        actions.approve_mentor(staff=request.getfixturevalue(who), profile=profile)


def test_deciding_twice_is_refused(alumnus, staff, areas):
    graduate(alumnus)
    profile = apply(alumnus, [areas["anxiety"]])
    actions.approve_mentor(staff=staff, profile=profile)

    with pytest.raises(ValidationError, match="already been decided"):
        actions.decline_mentor(staff=staff, profile=profile, note="no")


def test_pause_hides_the_mentor_and_resume_brings_them_back(mentor):
    actions.pause_mentoring(mentor=mentor)
    assert not MentorProfile.objects.matchable().exists()

    with pytest.raises(ValidationError):
        actions.pause_mentoring(mentor=mentor)

    actions.resume_mentoring(mentor=mentor)
    assert MentorProfile.objects.matchable().get().user == mentor


def test_pending_applicant_cannot_pause(alumnus, areas):
    graduate(alumnus)
    apply(alumnus, [areas["anxiety"]])

    with pytest.raises(ValidationError):
        actions.pause_mentoring(mentor=alumnus)


def test_retire_withdraws_pending_asks_keeps_active_and_tells_everyone(staff, mentor, proposal, alumnus):
    profile = mentor.mentor_profile

    actions.retire_mentor(staff=staff, profile=profile, note="Moving away")

    profile.refresh_from_db()
    proposal.refresh_from_db()
    assert (profile.status, proposal.status) == ("retired", "withdrawn")
    assert proposal.request.status == "open"
    assert Notification.objects.filter(recipient=alumnus, text__contains="no longer available").exists()
    assert AuditLog.objects.filter(action="mentor.retire").count() == 1
    with pytest.raises(ValidationError):
        actions.retire_mentor(staff=staff, profile=profile)


def test_retire_leaves_active_mentorships_running(staff, mentor, active):
    actions.retire_mentor(staff=staff, profile=mentor.mentor_profile)

    active.refresh_from_db()
    assert active.status == Mentorship.Status.ACTIVE


def test_settings_update_is_validated_and_audited(staff):
    actions.update_matching_settings(staff=staff, changes={"weight_focus": 5.0, "min_months_since_graduation": 3})

    with pytest.raises(ValidationError):
        actions.update_matching_settings(staff=staff, changes={"weight_focus": -1.0})
    with pytest.raises(ValidationError, match="above zero"):
        actions.update_matching_settings(
            staff=staff,
            changes={
                "weight_focus": 0,
                "weight_availability": 0,
                "weight_time_zone": 0,
                "weight_meeting": 0,
                "weight_track": 0,
            },
        )
    settings = MatchingSettings.load()
    assert (settings.weight_focus, settings.min_months_since_graduation) == (5.0, 3)
    assert AuditLog.objects.filter(action="mentorship.settings").count() == 1


def test_settings_update_refuses_unknown_fields(staff):
    with pytest.raises(ValidationError, match="Unknown"):
        actions.update_matching_settings(staff=staff, changes={"pk": 2})


def test_graduation_from_cohort_date_counts(alumnus):
    alumnus.cohort.graduation_date = timezone.localdate() - timedelta(days=400)
    alumnus.cohort.save()
    alumnus.graduation_date = None

    assert permissions.mentor_eligibility(alumnus) == ""
