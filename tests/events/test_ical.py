"""iCalendar downloads and the personal feed, parsed the way calendar apps read them."""

from datetime import date, time
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core.exceptions import ValidationError

from events import actions
from events.models import CalendarFeed, Event

from .conftest import SECRET_LINK, make_event

CHICAGO = ZoneInfo("America/Chicago")


def _events(response):
    assert response["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    return cal, list(cal.walk("VEVENT"))


@pytest.fixture
def weekly(staff):
    return make_event(staff, start_date=date(2099, 10, 20), frequency="weekly", weekdays=[1], count=3)


def _feed_url(member):
    return actions.ensure_calendar_feed(member=member).get_absolute_url()


def test_occurrence_ics_has_a_stable_uid_local_time_zone_and_vtimezone(client, alumnus, weekly):
    occ = weekly.occurrences.order_by("starts_at").first()
    client.force_login(alumnus)

    cal, [first] = _events(client.get(f"/meetups/{occ.pk}/meetup.ics"))
    _, [again] = _events(client.get(f"/meetups/{occ.pk}/meetup.ics"))

    assert str(first["UID"]) == str(again["UID"]) == f"{occ.uid}@127.0.0.1"
    assert first.decoded("DTSTART") == occ.starts_at
    assert first.decoded("DTSTART").tzinfo.key == "America/Chicago"
    assert first["DTSTART"].params["TZID"] == "America/Chicago"
    assert first.decoded("DTSTART").astimezone(CHICAGO).time() == time(19, 0)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["America/Chicago"]
    assert (first["SEQUENCE"], str(first["STATUS"]), str(first["SUMMARY"])) == (0, "CONFIRMED", "Weekly alumni group")


def test_occurrence_ics_shows_the_link_only_to_members_who_are_going(client, alumnus, alumnus2, weekly):
    occ = weekly.occurrences.order_by("starts_at").first()
    actions.rsvp(member=alumnus, occurrence=occ, status="going")

    client.force_login(alumnus)
    going = client.get(f"/meetups/{occ.pk}/meetup.ics").content.decode()
    client.force_login(alumnus2)
    not_going = client.get(f"/meetups/{occ.pk}/meetup.ics").content.decode()

    assert SECRET_LINK in going.replace("\r\n ", "")
    assert SECRET_LINK not in not_going.replace("\r\n ", "")


def test_occurrence_ics_is_not_served_outside_the_audience(client, staff, cohort, outsider):
    occ = make_event(staff, audience="cohort", audience_cohort=cohort).occurrences.get()
    client.force_login(outsider)

    assert client.get(f"/meetups/{occ.pk}/meetup.ics").status_code == 404


def test_feed_lists_going_meetups_with_sequence_and_cancellations(client, staff, alumnus, weekly):
    first, second, _third = weekly.occurrences.order_by("starts_at")
    for occ in (first, second):
        actions.rsvp(member=alumnus, occurrence=occ, status="going")
    actions.move_occurrence(
        actor=staff,
        occurrence=first,
        local_start=first.local_starts_at.replace(tzinfo=None, hour=20),
        local_end=first.local_starts_at.replace(tzinfo=None, hour=21),
    )
    actions.cancel_occurrence(actor=staff, occurrence=second)

    _, vevents = _events(client.get(_feed_url(alumnus)))

    by_uid = {str(v["UID"]).split("@")[0]: v for v in vevents}
    assert set(by_uid) == {str(first.uid), str(second.uid)}
    assert (by_uid[str(first.uid)]["SEQUENCE"], str(by_uid[str(first.uid)]["STATUS"])) == (1, "CONFIRMED")
    assert by_uid[str(first.uid)].decoded("DTSTART").astimezone(CHICAGO).hour == 20
    assert (by_uid[str(second.uid)]["SEQUENCE"], str(by_uid[str(second.uid)]["STATUS"])) == (1, "CANCELLED")
    assert SECRET_LINK in str(by_uid[str(first.uid)]["DESCRIPTION"])


def test_feed_needs_no_session_but_a_valid_token(client, alumnus, weekly):
    url = _feed_url(alumnus)

    assert client.get(url).status_code == 200
    assert client.get("/meetups/feed/not-a-token.ics").status_code == 404


def test_regenerating_the_feed_token_retires_the_old_url(client, alumnus, weekly):
    old = _feed_url(alumnus)
    client.force_login(alumnus)

    response = client.post("/meetups/calendar/regenerate/")

    new = CalendarFeed.objects.get(member=alumnus).get_absolute_url()
    assert response.status_code == 302
    assert new != old
    client.logout()
    assert (client.get(old).status_code, client.get(new).status_code) == (404, 200)


def test_feed_of_a_suspended_member_is_gone(client, alumnus, weekly):
    from django.utils import timezone

    url = _feed_url(alumnus)
    alumnus.suspended_at = timezone.now()
    alumnus.save(update_fields=["suspended_at"])

    assert client.get(url).status_code == 404


def test_series_edit_raises_sequence_in_the_feed(client, staff, alumnus, weekly):
    occ = weekly.occurrences.order_by("starts_at").first()
    actions.rsvp(member=alumnus, occurrence=occ, status="going")
    actions.update_event(editor=staff, event=weekly, title="Alumni group (new room)")

    _, [vevent] = _events(client.get(_feed_url(alumnus)))

    assert (vevent["SEQUENCE"], str(vevent["SUMMARY"])) == (1, "Alumni group (new room)")


def test_a_title_with_a_line_break_is_refused_and_never_breaks_a_download(client, staff, alumnus):
    """Outside review finding 14: a meetup title with a line break made its
    .ics answer 500. One-line fields refuse control characters; a row saved
    before that rule still downloads."""
    with pytest.raises(ValidationError) as refused:
        make_event(staff, title="Line one\nline two")
    assert "title" in refused.value.message_dict
    event = make_event(staff, title="Fine title")
    Event.objects.filter(pk=event.pk).update(title="Old row\r\nwith a break")
    client.force_login(alumnus)
    response = client.get(f"/meetups/{event.occurrences.get().pk}/meetup.ics")
    assert response.status_code == 200
    assert b"SUMMARY:Old row with a break" in response.content
