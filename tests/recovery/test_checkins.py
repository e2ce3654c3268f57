"""Check-in actions: one per member and week in their own zone, answers
stored with the questionnaire version, and the risk answers."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from community.models import Notification
from groups.models import CrisisAlert
from recovery import actions
from recovery.models import CheckIn

from .conftest import answers, checkin_at

pytestmark = pytest.mark.django_db

# Alice lives in America/Chicago (the default zone).
MONDAY = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Monday 09:00 in Chicago
WEEK_LATER = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)


def test_save_stores_answers_with_the_version_and_scores(alumnus):
    result = actions.save_checkin(member=alumnus, data=answers(phq2_interest="2", phq2_down="1"), now=MONDAY)

    checkin = CheckIn.objects.get(member=alumnus)
    assert result.created is True
    assert result.risk == ""
    assert checkin.version == "weekly-1"
    assert checkin.week_start.isoformat() == "2026-03-02"
    assert (checkin.phq2, checkin.gad2, checkin.craving) == (3, 1, 2)
    assert checkin.answers["attended"] == ["meeting", "meetup"]


def test_a_second_check_in_the_same_week_edits_the_first(alumnus):
    checkin_at(alumnus, MONDAY, craving="2")
    result = actions.save_checkin(
        member=alumnus, data=answers(craving="5"), now=datetime(2026, 3, 8, 23, 0, tzinfo=UTC)
    )

    assert result.created is False
    assert list(CheckIn.objects.filter(member=alumnus).values_list("craving", flat=True)) == [5]


def test_the_week_is_the_members_own(alumnus):
    # Sunday 23:30 in Chicago is already Monday in UTC: still last week for Alice.
    late_sunday = datetime(2026, 3, 2, 5, 30, tzinfo=UTC)
    checkin_at(alumnus, late_sunday)

    assert CheckIn.objects.get(member=alumnus).week_start.isoformat() == "2026-02-23"


def test_next_week_is_a_new_check_in(alumnus):
    checkin_at(alumnus, MONDAY)
    checkin_at(alumnus, WEEK_LATER)

    assert CheckIn.objects.filter(member=alumnus).count() == 2


def test_bad_answers_change_nothing(alumnus):
    checkin_at(alumnus, MONDAY, craving="2")

    with pytest.raises(ValidationError):
        actions.save_checkin(member=alumnus, data=answers(craving="99"), now=MONDAY)

    assert list(CheckIn.objects.values_list("craving", flat=True)) == [2]


def test_a_suspended_member_cannot_check_in(alumnus):
    alumnus.suspended_at = MONDAY
    alumnus.save()

    with pytest.raises(PermissionDenied):
        actions.save_checkin(member=alumnus, data=answers(), now=MONDAY)
    assert CheckIn.objects.count() == 0


# --- risk ----------------------------------------------------------------------------


def test_high_phq2_with_rising_craving_is_a_concern_and_alerts_nobody(alumnus, moderator):
    checkin_at(alumnus, MONDAY, craving="3")

    result = actions.save_checkin(
        member=alumnus, data=answers(phq2_interest="2", phq2_down="2", craving="6"), now=WEEK_LATER
    )

    assert result.risk == actions.CONCERN
    assert CrisisAlert.objects.count() == 0
    assert not Notification.objects.filter(recipient=moderator).exists()


@pytest.mark.parametrize(
    ("phq", "before", "now", "risk"),
    [
        (("2", "1"), "3", "6", "concern"),  # PHQ-2 3, craving up
        (("2", "1"), "6", "6", ""),  # craving level, not rising
        (("2", "1"), "7", "4", ""),  # craving down
        (("1", "1"), "3", "9", ""),  # PHQ-2 2, below the threshold
        (("3", "3"), None, "9", ""),  # no earlier check-in: nothing to rise from
    ],
)
def test_concern_needs_both_a_high_phq2_and_rising_craving(alumnus, phq, before, now, risk):
    if before is not None:
        checkin_at(alumnus, MONDAY, craving=before)

    result = actions.save_checkin(
        member=alumnus, data=answers(phq2_interest=phq[0], phq2_down=phq[1], craving=now), now=WEEK_LATER
    )

    assert result.risk == risk


def test_not_safe_is_a_concern_without_an_alert(alumnus):
    result = actions.save_checkin(member=alumnus, data=answers(safety="not_safe"), now=MONDAY)

    assert result.risk == actions.CONCERN
    assert CrisisAlert.objects.count() == 0


def test_in_danger_now_follows_the_crisis_path(alumnus, moderator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = actions.save_checkin(member=alumnus, data=answers(safety="danger"), now=MONDAY)

    alert = CrisisAlert.objects.get(member=alumnus)
    assert result.risk == actions.DANGER
    assert result.paged == 1
    assert (alert.status, alert.urgent, alert.room_id, alert.message_id) == ("open", True, None, None)
    # The console says it came from a check-in, not from the button.
    assert alert.source == CrisisAlert.Source.CHECKIN
    assert alert.get_source_display() == "Weekly check-in: said they are in danger now"
    paged = Notification.objects.get(recipient=moderator)
    assert paged.kind == Notification.Kind.MODERATOR_REQUEST
    # The alert says a person is needed now, and nothing of the answers.
    assert "Alice-note" not in paged.text
    assert CheckIn.objects.filter(member=alumnus).exists()
