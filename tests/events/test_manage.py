"""Write views: posting, editing, RSVP, cancel, move, attendance and CSV export."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.utils import timezone

from community.models import AuditLog
from events import actions
from events.models import RSVP, Event, Occurrence

from .conftest import SECRET_LINK, make_event


def _form(**overrides):
    data = {
        "title": "Tuesday alumni group",
        "description": "Bring a **friend**.",
        "time_zone": "America/Chicago",
        "start_date": "2099-10-20",
        "start_time": "19:00",
        "end_time": "20:30",
        "format": "virtual",
        "meeting_url": SECRET_LINK,
        "audience": "all",
        "frequency": "weekly",
        "weekdays": ["1"],
        "ends": "after_count",
        "count": "8",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_staff_post_a_weekly_meetup(client, staff):
    client.force_login(staff)

    response = client.post("/meetups/new/", _form())

    event = Event.objects.get()
    first = event.occurrences.order_by("starts_at").first()
    assert response.status_code == 302
    assert response["Location"] == f"/meetups/{first.pk}/"
    assert (event.title, event.weekdays, event.count, event.occurrences.count()) == ("Tuesday alumni group", [1], 8, 8)
    assert event.description_html == "<p>Bring a <strong>friend</strong>.</p>"
    assert AuditLog.objects.filter(action="meetup.create").count() == 1


def test_posting_with_a_discussion_room_creates_it(client, staff):
    client.force_login(staff)

    client.post("/meetups/new/", _form(create_discussion_room="on"))

    assert Event.objects.get().discussion_room.name == "Meetup: Tuesday alumni group"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"end_time": "18:00"}, "end_time", "The end must be after the start."),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "is not a known time zone"),
        ({"meeting_url": "javascript:alert(1)"}, "meeting_url", "must be a web address starting with http"),
        ({"meeting_url": "zoom.us/j/123"}, "meeting_url", "http"),
        ({"ends": "on_date", "until": "2099-10-01", "count": None}, "until", "cannot end before its first date"),
        (
            {
                "frequency": "monthly",
                "monthly_nth": "4",
                "monthly_weekday": "0",
                "ends": "on_date",
                "until": "2099-10-21",
            },
            "frequency",
            "produces no dates",
        ),
        ({"weekdays": None}, "weekdays", "Choose at least one weekday."),
        ({"format": "in_person", "address": ""}, "address", "needs an address"),
        ({"start_date": "2001-01-02"}, "start_date", "already passed"),
        ({"capacity": "0"}, "capacity", "greater than or equal to 1"),
        ({"audience": "cohort"}, "audience_cohort", "Choose the cohort"),
    ],
)
def test_bad_input_gets_form_errors_and_saves_nothing(client, staff, overrides, field, message):
    client.force_login(staff)

    response = client.post("/meetups/new/", _form(**overrides))

    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors[field]), response.context["form"].errors
    assert "nothing was saved" in response.content.decode()
    assert (Event.objects.count(), Occurrence.objects.count()) == (0, 0)


def test_edit_form_refuses_capacity_below_the_number_going(client, staff, alumnus, alumnus2):
    event = make_event(staff, start_date=date(2099, 10, 20), capacity=5)
    for member in (alumnus, alumnus2):
        actions.rsvp(member=member, occurrence=event.occurrences.get(), status="going")
    client.force_login(staff)

    response = client.post(f"/meetups/series/{event.pk}/edit/", _form(frequency="once", capacity="1", title="Changed"))

    event.refresh_from_db()
    assert "capacity cannot be below 2" in " ".join(response.context["form"].errors["capacity"])
    assert (event.capacity, event.title) == (5, "Weekly alumni group")


def test_edit_form_saves_a_series_change(client, staff):
    event = make_event(staff, start_date=date(2099, 10, 20), frequency="weekly", weekdays=[1], count=3)
    client.force_login(staff)

    response = client.post(f"/meetups/series/{event.pk}/edit/", _form(start_time="18:00", end_time="19:00", count="3"))

    assert response.status_code == 302
    assert {o.local_starts_at.hour for o in event.occurrences.all()} == {18}


@pytest.mark.parametrize("who", ["alumnus", "moderator", "outsider"])
def test_new_meetup_page_is_for_staff(client, request, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get("/meetups/new/").status_code == 403
    assert client.post("/meetups/new/", _form()).status_code == 403
    assert not Event.objects.exists()


def test_edit_page_is_404_for_members(client, alumnus, meetup):
    client.force_login(alumnus)

    assert client.get(f"/meetups/series/{meetup.pk}/edit/").status_code == 404


def test_moderator_may_post_once_staff_allow(client, staff, moderator):
    client.force_login(staff)
    client.post("/meetups/settings/", {"moderators_may_post": "on"})
    client.force_login(moderator)

    response = client.post("/meetups/new/", _form())

    assert response.status_code == 302
    assert Event.objects.get().created_by == moderator


# --- RSVP view ---------------------------------------------------------------------------------


def test_rsvp_view_rejects_get(client, alumnus, occurrence):
    client.force_login(alumnus)

    assert client.get(f"/meetups/{occurrence.pk}/rsvp/").status_code == 405


def test_rsvp_view_requires_login(client, occurrence):
    response = client.post(f"/meetups/{occurrence.pk}/rsvp/", {"status": "going"})

    assert response.status_code == 302
    assert not RSVP.objects.exists()


def test_rsvp_view_refuses_someone_outside_the_audience(client, staff, cohort, outsider):
    occ = make_event(staff, audience="cohort", audience_cohort=cohort).occurrences.get()
    client.force_login(outsider)

    assert client.post(f"/meetups/{occ.pk}/rsvp/", {"status": "going"}).status_code == 404
    assert not RSVP.objects.exists()


def test_rsvp_view_happy_path_then_waitlist_position_shown(client, alumnus, alumnus2, outsider, occurrence):
    for member in (alumnus, alumnus2, outsider):
        client.force_login(member)
        client.post(f"/meetups/{occurrence.pk}/rsvp/", {"status": "going"})

    page = client.get(f"/meetups/{occurrence.pk}/").content.decode()

    assert dict(RSVP.objects.values_list("member__display_name", "status")) == {
        "Alice": "going",
        "Bob": "going",
        "Charlie": "waitlisted",
    }
    assert "You're on the waitlist: number 1." in page
    assert SECRET_LINK not in page


def test_rsvp_view_bad_status_changes_nothing(client, alumnus, occurrence):
    client.force_login(alumnus)

    client.post(f"/meetups/{occurrence.pk}/rsvp/", {"status": "maybe"})

    assert not RSVP.objects.exists()


# --- Cancel and move views ------------------------------------------------------------------------


def test_cancel_occurrence_view(client, staff, alumnus, occurrence):
    client.force_login(alumnus)
    assert client.post(f"/meetups/{occurrence.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert client.get(f"/meetups/{occurrence.pk}/cancel/").status_code == 405
    client.force_login(staff)

    client.post(f"/meetups/{occurrence.pk}/cancel/", {"reason": "Venue flooded"})

    occurrence.refresh_from_db()
    assert (occurrence.cancel_reason, occurrence.sequence) == ("Venue flooded", 1)


def test_move_occurrence_view_with_end_before_start_changes_nothing(client, staff, occurrence):
    client.force_login(staff)
    day = (timezone.localdate() + timedelta(days=8)).isoformat()

    bad = client.post(f"/meetups/{occurrence.pk}/move/", {"date": day, "start_time": "19:00", "end_time": "18:00"})
    good = client.post(f"/meetups/{occurrence.pk}/move/", {"date": day, "start_time": "18:00", "end_time": "19:00"})

    occurrence.refresh_from_db()
    assert bad.status_code == 200
    assert good.status_code == 302
    assert (occurrence.local_starts_at.date().isoformat(), occurrence.local_starts_at.hour, occurrence.sequence) == (
        day,
        18,
        1,
    )


def test_cancel_series_view(client, staff):
    event = make_event(staff, start_date=date(2099, 10, 20), frequency="weekly", weekdays=[1], count=3)
    client.force_login(staff)

    client.post(f"/meetups/series/{event.pk}/cancel/", {"reason": ""})

    assert Occurrence.objects.filter(cancelled_at__isnull=True).count() == 0


# --- Attendees, attendance, CSV -----------------------------------------------------------------


@pytest.fixture
def started(staff, alumnus, alumnus2, outsider, moderator):
    """A meetup hosted by the moderator, capacity 2: Alice and Bob going, Charlie
    waitlisted; it started ten minutes ago."""
    occ = make_event(staff, capacity=2, host=moderator).occurrences.get()
    for member in (alumnus, alumnus2, outsider):
        actions.rsvp(member=member, occurrence=occ, status="going")
    start = timezone.now() - timedelta(minutes=10)
    Occurrence.objects.filter(pk=occ.pk).update(starts_at=start, ends_at=start + timedelta(hours=1))
    return occ


def test_attendance_marking(client, staff, alumnus, started):
    client.force_login(staff)

    client.post(f"/meetups/{started.pk}/attendees/", {"attended": [str(alumnus.pk)]})

    assert dict(RSVP.objects.filter(status="going").values_list("member__display_name", "attended")) == {
        "Alice": True,
        "Bob": False,
    }


def test_attendance_for_someone_not_going_is_refused(client, staff, outsider, started):
    client.force_login(staff)

    client.post(f"/meetups/{started.pk}/attendees/", {"attended": [str(outsider.pk)]})

    assert list(RSVP.objects.exclude(attended=None)) == []


def test_attendees_page_is_for_managers_and_the_host(client, alumnus, moderator, started):
    client.force_login(alumnus)
    assert client.get(f"/meetups/{started.pk}/attendees/").status_code == 404
    assert client.get(f"/meetups/{started.pk}/attendees.csv").status_code == 404
    client.force_login(moderator)
    assert client.get(f"/meetups/{started.pk}/attendees/").status_code == 200


def _csv(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_csv_export_for_staff_includes_emails(client, staff, started):
    client.force_login(staff)

    rows = _csv(client.get(f"/meetups/{started.pk}/attendees.csv"))

    assert rows == [
        ["display_name", "email", "status", "waitlist_position", "attended"],
        ["Alice", "alice@example.org", "going", "", ""],
        ["Bob", "bob@example.org", "going", "", ""],
        ["Charlie", "charlie@example.org", "waitlisted", "1", ""],
    ]


def test_csv_export_for_the_host_has_display_names_only(client, moderator, started):
    client.force_login(moderator)

    response = client.get(f"/meetups/{started.pk}/attendees.csv")

    assert "@example.org" not in response.content.decode()
    assert _csv(response)[0] == ["display_name", "status", "waitlist_position", "attended"]


def test_csv_export_neutralises_formulas_in_display_names(client, staff, started, alumnus):
    alumnus.display_name = '=HYPERLINK("http://evil")'
    alumnus.save(update_fields=["display_name"])
    client.force_login(staff)

    rows = _csv(client.get(f"/meetups/{started.pk}/attendees.csv"))

    assert rows[1][0].startswith("'=")


def test_csv_export_neutralises_formulas_in_every_cell(client, staff, started, alumnus):
    """Outside review finding 8: the e-mail column was written raw, and a
    verified address can start with "="."""
    alumnus.email = "=cmd|' /C calc'!A0@example.org"
    alumnus.save(update_fields=["email"])
    client.force_login(staff)

    rows = _csv(client.get(f"/meetups/{started.pk}/attendees.csv"))

    assert rows[1][:2] == ["Alice", "'=cmd|' /C calc'!A0@example.org"]


def test_policy_page_is_for_staff(client, moderator):
    client.force_login(moderator)

    assert client.post("/meetups/settings/", {"moderators_may_post": "on"}).status_code == 403
    assert not AuditLog.objects.filter(action="meetups.policy").exists()
