"""Editing a series touches coming dates only; one date can be cancelled or moved alone."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from community.models import AuditLog, Notification
from events import actions
from events.models import RSVP, Occurrence

from .conftest import make_event

CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def weekly(staff):
    """Weekly on Tuesdays at 7 pm Chicago, four times, starting in 2099."""
    return make_event(staff, start_date=date(2099, 10, 20), frequency="weekly", weekdays=[1], count=4, capacity=10)


def _local_times(event):
    return [o.starts_at.astimezone(CHICAGO).strftime("%m-%d %H:%M") for o in event.occurrences.order_by("series_date")]


def test_editing_the_series_updates_coming_dates_in_place_and_keeps_rsvps(staff, alumnus, weekly):
    first = weekly.occurrences.order_by("starts_at").first()
    actions.rsvp(member=alumnus, occurrence=first, status="going")

    actions.update_event(editor=staff, event=weekly, start_time=time(18, 30))

    assert _local_times(weekly) == ["10-20 18:30", "10-27 18:30", "11-03 18:30", "11-10 18:30"]
    assert RSVP.objects.get(member=alumnus).occurrence_id == first.pk
    assert list(weekly.occurrences.values_list("sequence", flat=True)) == [1, 1, 1, 1]
    assert Notification.objects.get(recipient=alumnus, kind="meetup").text.startswith(
        "“Weekly alumni group” was updated"
    )
    assert AuditLog.objects.filter(action="meetup.update").count() == 1


def test_editing_the_series_leaves_past_occurrences_alone(staff):
    today = timezone.localdate()
    event = make_event(
        staff,
        start_date=today - timedelta(days=14),
        frequency="weekly",
        weekdays=[(today - timedelta(days=14)).weekday()],
        count=6,
    )
    past = list(event.occurrences.filter(starts_at__lt=timezone.now()).values_list("pk", "starts_at", "sequence"))

    actions.update_event(editor=staff, event=event, start_time=time(20, 0))

    assert (
        list(event.occurrences.filter(pk__in=[p[0] for p in past]).values_list("pk", "starts_at", "sequence")) == past
    )
    assert len(past) >= 2
    future = event.occurrences.filter(starts_at__gt=timezone.now())
    assert {o.starts_at.astimezone(CHICAGO).hour for o in future} == {20}


def test_changing_weekdays_cancels_dropped_dates_with_rsvps_and_deletes_empty_ones(staff, alumnus, weekly):
    second = weekly.occurrences.order_by("starts_at")[1]
    actions.rsvp(member=alumnus, occurrence=second, status="going")

    actions.update_event(editor=staff, event=weekly, weekdays=[3])  # Thursdays

    second.refresh_from_db()
    assert second.cancelled_at is not None
    assert second.sequence == 1
    live = weekly.occurrences.filter(cancelled_at__isnull=True).order_by("starts_at")
    assert [o.series_date.weekday() for o in live] == [3, 3, 3, 3]
    assert weekly.occurrences.count() == 5  # four Thursdays and the cancelled Tuesday
    assert "is cancelled" in Notification.objects.get(recipient=alumnus, kind="meetup").text


def test_a_moved_occurrence_keeps_its_time_when_the_series_is_edited(staff, weekly):
    second = weekly.occurrences.order_by("starts_at")[1]
    actions.move_occurrence(
        actor=staff,
        occurrence=second,
        local_start=datetime(2099, 10, 28, 17, 0),
        local_end=datetime(2099, 10, 28, 18, 0),
    )

    actions.update_event(editor=staff, event=weekly, start_time=time(18, 0))

    assert _local_times(weekly) == ["10-20 18:00", "10-28 17:00", "11-03 18:00", "11-10 18:00"]


def test_moving_one_date_notifies_going_and_waitlisted_only_for_that_date(staff, alumnus, alumnus2, weekly):
    first, second = weekly.occurrences.order_by("starts_at")[:2]
    actions.rsvp(member=alumnus, occurrence=first, status="going")
    actions.rsvp(member=alumnus2, occurrence=second, status="going")

    actions.move_occurrence(
        actor=staff,
        occurrence=first,
        local_start=datetime(2099, 10, 20, 20, 0),
        local_end=datetime(2099, 10, 20, 21, 0),
    )

    first.refresh_from_db()
    assert (first.is_moved, first.sequence) == (True, 1)
    assert _local_times(weekly) == ["10-20 20:00", "10-27 19:00", "11-03 19:00", "11-10 19:00"]
    assert list(Notification.objects.filter(kind="meetup").values_list("recipient__display_name", flat=True)) == [
        "Alice"
    ]


def test_cancelling_one_date_leaves_the_series(staff, alumnus, weekly):
    first = weekly.occurrences.order_by("starts_at").first()
    actions.rsvp(member=alumnus, occurrence=first, status="going")

    actions.cancel_occurrence(actor=staff, occurrence=first, reason="Snow storm")

    assert list(weekly.occurrences.order_by("starts_at").values_list("cancelled_at", flat=True))[1:] == [None] * 3
    assert Notification.objects.get(recipient=alumnus).text.endswith("— Snow storm")
    assert AuditLog.objects.filter(action="meetup.occurrence.cancel").count() == 1


def test_move_with_end_before_start_is_refused_and_changes_nothing(staff, weekly):
    first = weekly.occurrences.order_by("starts_at").first()
    before = (first.starts_at, first.ends_at)

    with pytest.raises(ValidationError):
        actions.move_occurrence(
            actor=staff,
            occurrence=first,
            local_start=datetime(2099, 10, 20, 20, 0),
            local_end=datetime(2099, 10, 20, 19, 0),
        )

    first.refresh_from_db()
    assert (first.starts_at, first.ends_at, first.sequence) == (*before, 0)


def test_cancelling_the_series_cancels_every_coming_date(staff, alumnus, weekly):
    for occ in weekly.occurrences.all()[:2]:
        actions.rsvp(member=alumnus, occurrence=occ, status="going")

    actions.cancel_event(actor=staff, event=weekly, reason="Program paused")

    assert not Occurrence.objects.filter(event=weekly, cancelled_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=alumnus).count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"duration": timedelta(0)}, "end"),
        ({"duration": -timedelta(hours=1)}, "end"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"meeting_url": "javascript:alert(1)"}, "meeting_url"),
        ({"meeting_url": "ftp://files.example.org/"}, "meeting_url"),
        ({"format": "in_person", "address": ""}, "address"),
        ({"until": date(2099, 10, 1), "count": None}, "until"),
        ({"audience": "cohort", "audience_cohort": None}, "audience_cohort"),
    ],
)
def test_bad_series_edits_are_refused_and_change_nothing(staff, weekly, changes, field):
    before = list(weekly.occurrences.values_list("pk", "starts_at", "ends_at", "sequence"))

    with pytest.raises(ValidationError) as exc:
        actions.update_event(editor=staff, event=weekly, **changes)

    weekly.refresh_from_db()
    assert field in exc.value.message_dict
    assert list(weekly.occurrences.values_list("pk", "starts_at", "ends_at", "sequence")) == before
    assert weekly.meeting_url.startswith("https://")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"duration": -timedelta(minutes=30)}, "end"),
        ({"time_zone": "America/Gotham"}, "time_zone"),
        ({"meeting_url": "meet.example.org/no-scheme"}, "meeting_url"),
        ({"format": "virtual", "meeting_url": ""}, "meeting_url"),
        ({"capacity": 0}, "capacity"),
    ],
)
def test_bad_new_meetups_save_nothing(staff, overrides, field):
    from events.models import Event

    with pytest.raises(ValidationError) as exc:
        make_event(staff, **overrides)

    assert field in exc.value.message_dict
    assert (Event.objects.count(), Occurrence.objects.count()) == (0, 0)


@pytest.mark.parametrize("who", ["alumnus", "moderator", "outsider"])
def test_only_staff_post_meetups_by_default(request, who):
    with pytest.raises(PermissionDenied):
        make_event(request.getfixturevalue(who))


def test_moderators_post_and_manage_their_own_meetups_when_staff_allow(staff, moderator):
    actions.set_calendar_policy(staff=staff, moderators_may_post=True)
    mine = make_event(moderator)
    theirs = make_event(staff, title="Staff meetup")

    actions.update_event(editor=moderator, event=mine, title="Renamed")
    with pytest.raises(PermissionDenied):
        actions.update_event(editor=moderator, event=theirs, title="Hijacked")

    actions.set_calendar_policy(staff=staff, moderators_may_post=False)
    with pytest.raises(PermissionDenied):
        actions.update_event(editor=moderator, event=mine, title="Again")
    assert AuditLog.objects.filter(action="meetups.policy").count() == 2
