"""Check-in reminders: on the member's day and local time in their own zone,
one a week plus at most one nudge, through a daylight-saving change."""

from datetime import UTC, datetime, time, timedelta

import pytest

from community import schedule
from community.models import Notification
from recovery import actions
from recovery.models import CheckInReminder

from .conftest import checkin_at

pytestmark = pytest.mark.django_db


def reminders(member) -> list[str]:
    return list(
        Notification.objects.filter(recipient=member, kind=Notification.Kind.CHECKIN)
        .order_by("created_at", "pk")
        .values_list("text", flat=True)
    )


@pytest.fixture
def sunday_six_pm(alumnus):
    """Alice (America/Chicago) wants her reminder on Sundays at 18:00."""
    return actions.set_checkin_schedule(member=alumnus, weekday=6, at=time(18, 0), enabled=True)


def test_nothing_before_the_local_time(alumnus, sunday_six_pm):
    # Sunday March 1 2026, 17:59 in Chicago (CST, UTC-6) is 23:59 UTC.
    assert actions.send_due_checkin_reminders(now=datetime(2026, 3, 1, 23, 59, tzinfo=UTC)) == 0
    assert reminders(alumnus) == []


def test_the_reminder_goes_out_at_the_local_time_once(alumnus, sunday_six_pm):
    due = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # Sunday 18:00 CST

    assert actions.send_due_checkin_reminders(now=due) == 1
    assert actions.send_due_checkin_reminders(now=due + timedelta(minutes=5)) == 0
    assert reminders(alumnus) == ["Time for your weekly check-in: under a minute, just for you."]
    assert Notification.objects.get(recipient=alumnus).url == "/me/check-in/"


def test_across_the_spring_forward_the_wall_clock_time_is_kept(alumnus, sunday_six_pm):
    # Clocks went forward on Sunday March 8 2026 at 02:00 in Chicago: 18:00 is now CDT, UTC-5.
    assert actions.send_due_checkin_reminders(now=datetime(2026, 3, 8, 22, 59, tzinfo=UTC)) == 0
    assert actions.send_due_checkin_reminders(now=datetime(2026, 3, 8, 23, 0, tzinfo=UTC)) == 1
    assert CheckInReminder.objects.get(member=alumnus).week_start.isoformat() == "2026-03-02"


def test_across_the_fall_back_the_wall_clock_time_is_kept(alumnus, sunday_six_pm):
    # Clocks went back on Sunday November 1 2026: 18:00 is CST again, UTC-6.
    assert actions.send_due_checkin_reminders(now=datetime(2026, 11, 1, 23, 30, tzinfo=UTC)) == 0
    assert actions.send_due_checkin_reminders(now=datetime(2026, 11, 2, 0, 0, tzinfo=UTC)) == 1


def test_a_time_the_spring_forward_skips_is_sent_an_hour_later_on_the_clock(alumnus):
    # 02:30 on March 8 2026 does not exist in Chicago; it is read as 02:30 CST = 08:30 UTC = 03:30 CDT.
    actions.set_checkin_schedule(member=alumnus, weekday=6, at=time(2, 30), enabled=True)

    assert actions.send_due_checkin_reminders(now=datetime(2026, 3, 8, 8, 29, tzinfo=UTC)) == 0
    assert actions.send_due_checkin_reminders(now=datetime(2026, 3, 8, 8, 30, tzinfo=UTC)) == 1


def test_another_zone_gets_its_own_local_time(alumnus, sunday_six_pm):
    alumnus.time_zone = "Europe/Berlin"
    alumnus.save()

    # Sunday March 1, 18:00 in Berlin (CET, UTC+1) is 17:00 UTC.
    assert actions.send_due_checkin_reminders(now=datetime(2026, 3, 1, 16, 59, tzinfo=UTC)) == 0
    assert actions.send_due_checkin_reminders(now=datetime(2026, 3, 1, 17, 0, tzinfo=UTC)) == 1


@pytest.fixture
def wednesday_morning(alumnus):
    return actions.set_checkin_schedule(member=alumnus, weekday=2, at=time(9, 0), enabled=True)


WEDNESDAY_9 = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # Wednesday March 4, 09:00 CST


def test_one_nudge_two_days_later_and_never_more(alumnus, wednesday_morning):
    actions.send_due_checkin_reminders(now=WEDNESDAY_9)
    assert actions.send_due_checkin_reminders(now=WEDNESDAY_9 + timedelta(hours=47)) == 0
    assert actions.send_due_checkin_reminders(now=WEDNESDAY_9 + timedelta(hours=48)) == 1
    for hours in (49, 60, 80):
        assert actions.send_due_checkin_reminders(now=WEDNESDAY_9 + timedelta(hours=hours)) == 0

    assert reminders(alumnus) == [
        "Time for your weekly check-in: under a minute, just for you.",
        "Your check-in for this week is still open, whenever you're ready.",
    ]


def test_no_nudge_after_checking_in(alumnus, wednesday_morning):
    actions.send_due_checkin_reminders(now=WEDNESDAY_9)
    checkin_at(alumnus, WEDNESDAY_9 + timedelta(hours=3))

    assert actions.send_due_checkin_reminders(now=WEDNESDAY_9 + timedelta(hours=48)) == 0
    assert len(reminders(alumnus)) == 1


def test_no_reminder_when_already_checked_in(alumnus, wednesday_morning):
    checkin_at(alumnus, WEDNESDAY_9 - timedelta(days=1))

    assert actions.send_due_checkin_reminders(now=WEDNESDAY_9) == 0


def test_a_late_scheduler_sends_the_reminder_first_then_waits_a_day_to_nudge(alumnus, wednesday_morning):
    late = WEDNESDAY_9 + timedelta(hours=72)

    assert actions.send_due_checkin_reminders(now=late) == 1
    assert actions.send_due_checkin_reminders(now=late + timedelta(hours=1)) == 0
    assert CheckInReminder.objects.get(member=alumnus).kind == "reminder"


def test_the_next_week_starts_over(alumnus, wednesday_morning):
    actions.send_due_checkin_reminders(now=WEDNESDAY_9)

    assert actions.send_due_checkin_reminders(now=WEDNESDAY_9 + timedelta(days=7)) == 1


def test_reminders_off_sends_nothing(alumnus):
    actions.set_checkin_schedule(member=alumnus, weekday=2, at=time(9, 0), enabled=False)

    assert actions.send_due_checkin_reminders(now=WEDNESDAY_9) == 0


def test_a_suspended_member_is_not_reminded(alumnus, wednesday_morning):
    alumnus.suspended_at = WEDNESDAY_9
    alumnus.save()

    assert actions.send_due_checkin_reminders(now=WEDNESDAY_9) == 0


def test_the_jobs_are_registered_with_the_scheduler():
    jobs = {job.name: job for job in schedule.JOBS}

    assert jobs["send_checkin_reminders"].task == "recovery.tasks.send_checkin_reminders"
    assert jobs["congratulate_milestones"].task == "recovery.tasks.congratulate_milestones"
