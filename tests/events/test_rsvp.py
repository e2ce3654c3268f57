"""RSVPs, capacity and the waitlist (the real action code, no mocks)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from community.models import Notification
from events import actions, queries
from events.models import RSVP, Occurrence
from tests.conftest import make_member

from .conftest import make_event


def _statuses(occurrence):
    return dict(occurrence.rsvps.values_list("member__display_name", "status"))


def test_rsvp_going_counts_the_member(alumnus, occurrence):
    answer = actions.rsvp(member=alumnus, occurrence=occurrence, status="going")

    occurrence.refresh_from_db()
    assert (answer.status, occurrence.going_count, occurrence.waitlist_count) == ("going", 1, 0)


def test_rsvp_going_twice_is_one_rsvp(alumnus, occurrence):
    actions.rsvp(member=alumnus, occurrence=occurrence, status="going")
    actions.rsvp(member=alumnus, occurrence=occurrence, status="going")

    occurrence.refresh_from_db()
    assert (RSVP.objects.count(), occurrence.going_count) == (1, 1)


def test_rsvp_at_capacity_joins_the_waitlist_in_order(alumnus, alumnus2, outsider, banned, occurrence):
    for member in (alumnus, alumnus2, outsider, banned):
        actions.rsvp(member=member, occurrence=occurrence, status="going")

    occurrence.refresh_from_db()
    charlie = RSVP.objects.get(member=outsider)
    dana = RSVP.objects.get(member=banned)
    assert _statuses(occurrence) == {
        "Alice": "going",
        "Bob": "going",
        "Charlie": "waitlisted",
        "Dana": "waitlisted",
    }
    assert (occurrence.going_count, occurrence.waitlist_count) == (2, 2)
    assert (queries.waitlist_position(charlie), queries.waitlist_position(dana)) == (1, 2)


def test_cancelling_promotes_the_first_waitlisted_and_notifies_them(alumnus, alumnus2, outsider, banned, occurrence):
    for member in (alumnus, alumnus2, outsider, banned):
        actions.rsvp(member=member, occurrence=occurrence, status="going")

    actions.rsvp(member=alumnus, occurrence=occurrence, status="not_going")

    occurrence.refresh_from_db()
    assert _statuses(occurrence) == {
        "Alice": "not_going",
        "Bob": "going",
        "Charlie": "going",
        "Dana": "waitlisted",
    }
    assert (occurrence.going_count, occurrence.waitlist_count) == (2, 1)
    assert queries.waitlist_position(RSVP.objects.get(member=banned)) == 1
    notes = list(Notification.objects.filter(kind="meetup").values_list("recipient__display_name", "text"))
    assert len(notes) == 1
    assert notes[0][0] == "Charlie"
    assert notes[0][1].startswith("A spot opened up: you're going to “Weekly alumni group”")


def test_leaving_the_waitlist_promotes_nobody(alumnus, alumnus2, outsider, occurrence):
    for member in (alumnus, alumnus2, outsider):
        actions.rsvp(member=member, occurrence=occurrence, status="going")

    actions.rsvp(member=outsider, occurrence=occurrence, status="not_going")

    occurrence.refresh_from_db()
    assert (occurrence.going_count, occurrence.waitlist_count) == (2, 0)
    assert not Notification.objects.filter(kind="meetup").exists()


def test_raising_capacity_promotes_the_waitlist(staff, alumnus, alumnus2, outsider, meetup, occurrence):
    for member in (alumnus, alumnus2, outsider):
        actions.rsvp(member=member, occurrence=occurrence, status="going")

    actions.update_event(editor=staff, event=meetup, capacity=3)

    occurrence.refresh_from_db()
    assert (occurrence.going_count, occurrence.waitlist_count) == (3, 0)
    assert RSVP.objects.get(member=outsider).status == "going"


def test_capacity_below_the_number_going_is_refused_and_changes_nothing(staff, alumnus, alumnus2, meetup, occurrence):
    for member in (alumnus, alumnus2):
        actions.rsvp(member=member, occurrence=occurrence, status="going")

    with pytest.raises(ValidationError) as exc:
        actions.update_event(editor=staff, event=meetup, capacity=1, title="Renamed")

    meetup.refresh_from_db()
    assert "capacity" in exc.value.message_dict
    assert (meetup.capacity, meetup.title) == (2, "Weekly alumni group")


def test_rsvp_closes_when_the_meetup_starts(alumnus, occurrence):
    Occurrence.objects.filter(pk=occurrence.pk).update(
        starts_at=timezone.now() - timedelta(minutes=1), ends_at=timezone.now() + timedelta(hours=1)
    )

    with pytest.raises(ValidationError, match="RSVP closed"):
        actions.rsvp(member=alumnus, occurrence=occurrence, status="going")

    assert not RSVP.objects.exists()


def test_rsvp_to_a_cancelled_occurrence_is_refused(staff, alumnus, occurrence):
    actions.cancel_occurrence(actor=staff, occurrence=occurrence)

    with pytest.raises(ValidationError, match="cancelled"):
        actions.rsvp(member=alumnus, occurrence=occurrence, status="going")


def test_rsvp_outside_the_audience_is_refused(staff, cohort, outsider):
    event = make_event(staff, audience="cohort", audience_cohort=cohort)

    with pytest.raises(PermissionDenied):
        actions.rsvp(member=outsider, occurrence=event.occurrences.get(), status="going")

    assert not RSVP.objects.exists()


def test_rsvp_unknown_status_is_refused(alumnus, occurrence):
    with pytest.raises(ValidationError):
        actions.rsvp(member=alumnus, occurrence=occurrence, status="maybe")

    assert not RSVP.objects.exists()


def test_going_joins_the_private_discussion_room_of_a_cohort_meetup(staff, cohort, alumnus):
    from groups.models import Membership

    event = make_event(staff, audience="cohort", audience_cohort=cohort, create_discussion_room=True)

    actions.rsvp(member=alumnus, occurrence=event.occurrences.get(), status="going")

    room = event.discussion_room
    assert room.kind == "private"
    assert set(
        Membership.objects.filter(room=room, left_at__isnull=True).values_list("user__display_name", flat=True)
    ) == {"Sta the staffer", "Alice"}


def test_many_members_fill_exactly_the_capacity(staff, cohort):
    event = make_event(staff, capacity=3)
    occurrence = event.occurrences.get()
    members = [make_member(f"m{i}@example.org", f"Member {i}", cohort=cohort) for i in range(6)]

    for member in members:
        actions.rsvp(member=member, occurrence=occurrence, status="going")

    occurrence.refresh_from_db()
    assert (occurrence.going_count, occurrence.waitlist_count) == (3, 3)
    assert RSVP.objects.filter(status="going").count() == 3
