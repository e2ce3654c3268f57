"""The calendar pages: who sees what, the link's privacy, query counts."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from events import actions
from events.models import Occurrence

from .conftest import SECRET_LINK, make_event


def _next_week():
    return timezone.localdate() + timedelta(days=7)


@pytest.fixture
def three_meetups(staff, cohort, room):
    """One for all alumni (virtual), one for the spring cohort (in person),
    one for the room's members (hybrid) — all in the same coming week."""
    day = _next_week()
    return [
        make_event(staff, title="Alumni group", start_date=day),
        make_event(
            staff,
            title="Spring cohort picnic",
            start_date=day + timedelta(days=1),
            format="in_person",
            address="Lakeside Park, shelter 3",
            meeting_url="",
            audience="cohort",
            audience_cohort=cohort,
        ),
        make_event(
            staff,
            title="Anxiety room walk",
            start_date=day + timedelta(days=2),
            format="hybrid",
            address="Riverwalk entrance",
            audience="room",
            audience_room=room,
        ),
    ]


def _titles(response):
    return sorted({o.event.title for day in response.context["days"] for o in day[1]})


def _month_titles(response):
    return sorted({o.title for week in response.context["weeks"] for d in week for o in d.occurrences})


def test_agenda_shows_each_member_their_audience(client, alumnus, outsider, moderator, three_meetups):
    client.force_login(alumnus)
    assert _titles(client.get("/meetups/")) == ["Alumni group", "Anxiety room walk", "Spring cohort picnic"]
    client.force_login(outsider)
    assert _titles(client.get("/meetups/")) == ["Alumni group"]
    client.force_login(moderator)
    assert len(_titles(client.get("/meetups/"))) == 3


def test_cohort_meetup_page_is_404_outside_the_cohort(client, outsider, three_meetups):
    occ = three_meetups[1].occurrences.get()
    client.force_login(outsider)

    response = client.get(f"/meetups/{occ.pk}/")

    assert response.status_code == 404
    assert b"Spring cohort picnic" not in response.content


def test_banned_room_member_does_not_see_the_room_meetup(client, banned, three_meetups):
    client.force_login(banned)

    assert "Anxiety room walk" not in _titles(client.get("/meetups/"))


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("in_person", ["Anxiety room walk", "Spring cohort picnic"]),
        ("virtual", ["Alumni group", "Anxiety room walk"]),
    ],
)
def test_agenda_format_filter(client, alumnus, three_meetups, fmt, expected):
    client.force_login(alumnus)

    assert _titles(client.get(f"/meetups/?format={fmt}")) == expected


def test_agenda_audience_filter(client, alumnus, three_meetups):
    client.force_login(alumnus)

    assert _titles(client.get("/meetups/?audience=cohort")) == ["Spring cohort picnic"]
    assert len(_titles(client.get("/meetups/?audience=bogus"))) == 3


def test_month_view_places_meetups_on_local_days(client, alumnus, three_meetups):
    day = _next_week()
    client.force_login(alumnus)

    response = client.get(f"/meetups/month/{day.year}/{day.month}/")

    cells = {d.date: [o.title for o in d.occurrences] for week in response.context["weeks"] for d in week}
    assert cells[day] == ["Alumni group"]
    assert response.context["weeks"][0][0].date.weekday() == 0


@pytest.mark.parametrize(("year", "month"), [(2026, 12), (2027, 1), (2028, 2)])
def test_month_cells_are_named_as_the_date_filter_names_them(client, alumnus, year, month):
    from django.template.defaultfilters import date as date_filter

    client.force_login(alumnus)
    response = client.get(f"/meetups/month/{year}/{month}/")
    days = [d for week in response.context["weeks"] for d in week]
    # Days of the months before and after are named too (Dec 2026 ends in January).
    assert {d.date.month for d in days} > {month}
    for d in days:
        assert (d.weekday_name, d.label) == (date_filter(d.date, "l"), date_filter(d.date, "M j"))
        assert f'<span class="ev-dayname">{d.weekday_name}, </span>{d.label}' in response.content.decode()


def test_month_view_for_a_berlin_member_moves_7pm_chicago_to_the_next_day(client, alumnus, staff):
    make_event(staff, start_date=date(2099, 10, 20))  # 19:00 CDT = 02:00 CEST on the 21st
    alumnus.time_zone = "Europe/Berlin"
    alumnus.save(update_fields=["time_zone"])
    client.force_login(alumnus)

    response = client.get("/meetups/month/2099/10/")

    cells = {d.date: [o.title for o in d.occurrences] for week in response.context["weeks"] for d in week}
    assert (cells[date(2099, 10, 20)], cells[date(2099, 10, 21)]) == ([], ["Weekly alumni group"])
    assert "2:00 AM" in response.content.decode()


def test_month_cells_link_each_meetup_and_mark_cancelled_going_and_waitlisted(client, alumnus, alumnus2, staff):
    day = date(2099, 10, 20)
    going = make_event(staff, title="Going one", start_date=day, capacity=1).occurrences.get()
    waitlisted = make_event(staff, title="Waitlisted one", start_date=day, capacity=1).occurrences.get()
    cancelled = make_event(staff, title="Cancelled one", start_date=day).occurrences.get()
    series = make_event(staff, title="Cancelled series", start_date=day)
    plain = make_event(staff, title="Plain one", start_date=day).occurrences.get()
    actions.rsvp(member=alumnus, occurrence=going, status="going")
    actions.rsvp(member=alumnus2, occurrence=waitlisted, status="going")
    actions.rsvp(member=alumnus, occurrence=waitlisted, status="going")  # full: waitlisted
    actions.cancel_occurrence(actor=staff, occurrence=cancelled)
    actions.cancel_event(actor=staff, event=series)
    client.force_login(alumnus)

    response = client.get("/meetups/month/2099/10/")

    [cell] = [d for week in response.context["weeks"] for d in week if d.date == day]
    marks = {o.title: (o.url, o.is_cancelled, o.my_status, o.start_clock) for o in cell.occurrences}
    assert marks == {
        "Going one": (going.get_absolute_url(), False, "going", "7:00 PM"),
        "Waitlisted one": (waitlisted.get_absolute_url(), False, "waitlisted", "7:00 PM"),
        "Cancelled one": (cancelled.get_absolute_url(), True, None, "7:00 PM"),
        "Cancelled series": (series.occurrences.get().get_absolute_url(), True, None, "7:00 PM"),
        "Plain one": (plain.get_absolute_url(), False, None, "7:00 PM"),
    }
    html = response.content.decode()
    assert f'<a href="{going.get_absolute_url()}"><time datetime="2099-10-20T19:00:00-05:00">7:00 PM</time>' in html
    assert "Cancelled one <strong>(cancelled)</strong>" in html
    assert 'Going one <span class="ev-tick">✓' in html
    assert 'Waitlisted one <span class="ev-tick">(waitlist)</span>' in html


def test_month_shows_only_meetups_the_member_may_see(client, outsider, staff, cohort, room):
    day = date(2099, 10, 20)
    make_event(staff, title="For everyone", start_date=day)
    make_event(staff, title="Spring only", start_date=day, audience="cohort", audience_cohort=cohort)
    make_event(staff, title="Room only", start_date=day, audience="room", audience_room=room)
    client.force_login(outsider)

    response = client.get("/meetups/month/2099/10/")

    assert _month_titles(response) == ["For everyone"]
    assert "Spring only" not in response.content.decode()
    assert "Room only" not in response.content.decode()


def test_detail_notes_the_event_zone_when_it_differs(client, alumnus, staff):
    occ = make_event(staff, start_date=date(2099, 10, 20)).occurrences.get()
    alumnus.time_zone = "America/New_York"
    alumnus.save(update_fields=["time_zone"])
    client.force_login(alumnus)

    page = client.get(f"/meetups/{occ.pk}/").content.decode()

    assert "8:00 PM–9:30 PM EDT" in page
    assert "Meetup time: Tue, Oct 20 · 7:00 PM–8:30 PM CDT (America/Chicago)" in page


def test_detail_does_not_note_the_zone_when_it_is_the_same(client, alumnus, staff):
    occ = make_event(staff, start_date=date(2099, 10, 20)).occurrences.get()
    client.force_login(alumnus)

    assert "Meetup time:" not in client.get(f"/meetups/{occ.pk}/").content.decode()


# --- The meeting link ----------------------------------------------------------------------


def test_link_is_shown_to_going_members_host_and_staff_only(client, staff, alumnus, alumnus2, outsider, moderator):
    event = make_event(staff, capacity=1, host=moderator)
    occ = event.occurrences.get()
    actions.rsvp(member=alumnus, occurrence=occ, status="going")
    actions.rsvp(member=alumnus2, occurrence=occ, status="going")  # waitlisted

    seen = {}
    for member in (staff, alumnus, alumnus2, outsider, moderator):
        client.force_login(member)
        seen[member.display_name] = SECRET_LINK in client.get(f"/meetups/{occ.pk}/").content.decode()

    assert seen == {"Sta the staffer": True, "Alice": True, "Bob": False, "Charlie": False, "Mo the moderator": True}


def test_link_never_appears_on_list_pages_even_for_going_members(client, staff, alumnus):
    occ = make_event(staff).occurrences.get()
    actions.rsvp(member=alumnus, occurrence=occ, status="going")
    client.force_login(alumnus)
    day = occ.local_starts_at

    pages = ["/meetups/", f"/meetups/month/{day.year}/{day.month}/", "/meetups/mine/"]

    assert [SECRET_LINK in client.get(url).content.decode() for url in pages] == [False] * 3
    assert "Weekly alumni group" in client.get("/meetups/mine/").content.decode()


def test_link_is_not_in_the_feed_of_a_member_who_left(client, staff, alumnus):
    occ = make_event(staff).occurrences.get()
    actions.rsvp(member=alumnus, occurrence=occ, status="going")
    actions.rsvp(member=alumnus, occurrence=occ, status="not_going")
    url = actions.ensure_calendar_feed(member=alumnus).get_absolute_url()

    assert SECRET_LINK not in client.get(url).content.decode()


# --- Query counts --------------------------------------------------------------------------


def _add_meetups(staff, n):
    for i in range(n):
        make_event(staff, title=f"Meetup {i}", start_date=_next_week() + timedelta(days=i), host=staff)


@pytest.mark.parametrize("n", [1, 3])
def test_agenda_query_count(client, alumnus, staff, django_assert_num_queries, n):
    _add_meetups(staff, n)
    client.force_login(alumnus)

    # 1 session, 2 user, 3 unread notifications (context processor),
    # 4 occurrences with series, host, audience and my RSVP status.
    # (An alumnus may never post, so the calendar policy is not read.)
    with django_assert_num_queries(4):
        response = client.get("/meetups/")

    assert len(_titles(response)) == n


@pytest.mark.parametrize("n", [1, 3])
def test_month_query_count(client, alumnus, staff, django_assert_num_queries, n):
    _add_meetups(staff, n)
    client.force_login(alumnus)
    first = Occurrence.objects.order_by("starts_at").first().local_starts_at
    last = Occurrence.objects.order_by("starts_at").last().local_starts_at

    # 1 session, 2 user, 3 unread notifications, 4 occurrences of the
    # grid's weeks with everything a cell shows
    with django_assert_num_queries(4):
        response = client.get(f"/meetups/month/{first.year}/{first.month}/")

    expected = n if (first.year, first.month) == (last.year, last.month) else len(_month_titles(response))
    assert len(_month_titles(response)) == expected


@pytest.mark.parametrize("n", [1, 3])
def test_my_meetups_query_count(client, alumnus, staff, django_assert_num_queries, n):
    _add_meetups(staff, n)
    for occ in Occurrence.objects.all():
        actions.rsvp(member=alumnus, occurrence=occ, status="going")
    client.force_login(alumnus)

    # 1 session, 2 user, 3 unread notifications, 4 coming, 5 recent past
    with django_assert_num_queries(5):
        response = client.get("/meetups/mine/")

    assert len(response.context["coming"]) == n


def test_home_section_lists_my_next_meetups(alumnus, staff):
    from django.template.loader import render_to_string

    from events.queries import home_section

    occ = make_event(staff).occurrences.get()
    actions.rsvp(member=alumnus, occurrence=occ, status="going")

    section = home_section(alumnus)
    html = render_to_string(section["template"], {"section": section})

    assert (section["title"], [o.pk for o in section["occurrences"]], section["mine"]) == (
        "Next meetups",
        [occ.pk],
        True,
    )
    assert "Weekly alumni group" in html
    assert "· going" in html
    assert SECRET_LINK not in html


def test_home_section_without_rsvps_shows_what_is_coming(alumnus, outsider, staff, cohort):
    from events.queries import home_section

    make_event(staff, title="For everyone")
    make_event(staff, title="Spring only", audience="cohort", audience_cohort=cohort)

    assert [o.event.title for o in home_section(outsider)["occurrences"]] == ["For everyone"]
    assert home_section(alumnus)["mine"] is False


def test_pages_require_login(client, occurrence):
    for url in [
        "/meetups/",
        "/meetups/month/",
        "/meetups/mine/",
        f"/meetups/{occurrence.pk}/",
        f"/meetups/{occurrence.pk}/meetup.ics",
        "/meetups/calendar/",
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/accounts/login/" in response["Location"], url
