"""Add to calendar: a Google Calendar link and an .ics download on a meetup's
page, webcal:// and Google subscription links and a copy button for the
private feed; and a cancelled meetup never says "You're going" nor shows the
online link or the calendar links."""

from datetime import time
from urllib.parse import parse_qs, urlsplit

import pytest

from events import actions, ical

from .conftest import SECRET_LINK, make_event

pytestmark = pytest.mark.django_db


def google_query(url: str) -> dict:
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "calendar.google.com", "/calendar/render")
    return {key: values[0] for key, values in parse_qs(parts.query).items()}


def test_google_link_carries_title_times_and_place_but_never_the_meeting_link(staff, settings):
    event = make_event(
        staff, format="hybrid", address="12 Main St, Springfield", start_time=time(19, 0), meeting_url=SECRET_LINK
    )
    occ = event.occurrences.get()

    query = google_query(ical.google_calendar_url(occ))

    start = occ.starts_at.strftime("%Y%m%dT%H%M%SZ")
    end = occ.ends_at.strftime("%Y%m%dT%H%M%SZ")
    assert query == {
        "action": "TEMPLATE",
        "text": "Weekly alumni group",
        "dates": f"{start}/{end}",
        "ctz": "America/Chicago",
        "details": f"Details, RSVP and the online link: {settings.SITE_URL}/meetups/{occ.pk}/",
        "location": "12 Main St, Springfield",
    }
    assert SECRET_LINK not in ical.google_calendar_url(occ)


def test_meetup_page_offers_google_and_ics(client, alumnus, occurrence):
    client.force_login(alumnus)

    html = client.get(f"/meetups/{occurrence.pk}/").content.decode()

    assert "Add to your calendar" in html
    assert ical.google_calendar_url(occurrence).replace("&", "&amp;") in html
    assert f'href="/meetups/{occurrence.pk}/meetup.ics" download>Apple Calendar or Outlook (.ics file)' in html


def test_feed_page_offers_webcal_google_and_copy(client, alumnus):
    feed = actions.ensure_calendar_feed(member=alumnus)
    client.force_login(alumnus)

    html = client.get("/meetups/calendar/").content.decode()

    https_url = f"http://testserver/meetups/feed/{feed.token}.ics"
    assert f'href="webcal://testserver/meetups/feed/{feed.token}.ics"' in html
    assert google_query(ical.google_subscribe_url(https_url)) == {
        "cid": f"webcal://testserver/meetups/feed/{feed.token}.ics"
    }
    assert ical.google_subscribe_url(https_url).replace("&", "&amp;") in html
    assert f'value="{https_url}"' in html
    assert 'data-copy="#feed-url"' in html


def test_feed_page_without_a_feed_offers_only_to_create_one(client, alumnus):
    client.force_login(alumnus)

    html = client.get("/meetups/calendar/").content.decode()

    assert "webcal://" not in html
    assert "Create my subscription address" in html


def test_cancelled_meetup_never_says_going_nor_shows_the_link(client, staff, alumnus, occurrence):
    actions.rsvp(member=alumnus, occurrence=occurrence, status="going")
    actions.cancel_occurrence(actor=staff, occurrence=occurrence, reason="Snow day.")
    client.force_login(alumnus)

    html = client.get(f"/meetups/{occurrence.pk}/").content.decode()

    assert "This meetup is cancelled." in html
    assert "Nothing to do: this meetup is cancelled." in html
    assert "You're going" not in html
    assert "Join online" not in html
    assert SECRET_LINK not in html
    assert "Add to your calendar" not in html
    assert "I can't go after all" not in html


@pytest.mark.parametrize("who", ["alumnus", "staff"])
def test_cancelled_meetup_hides_the_link_from_everyone(client, request, staff, alumnus, occurrence, who):
    actions.rsvp(member=alumnus, occurrence=occurrence, status="going")
    actions.cancel_occurrence(actor=staff, occurrence=occurrence)
    client.force_login(request.getfixturevalue(who))

    assert SECRET_LINK not in client.get(f"/meetups/{occurrence.pk}/").content.decode()
    assert SECRET_LINK not in client.get(f"/meetups/{occurrence.pk}/meetup.ics").content.decode()


def test_going_to_a_meetup_still_shows_going_and_the_link(client, alumnus, occurrence):
    actions.rsvp(member=alumnus, occurrence=occurrence, status="going")
    client.force_login(alumnus)

    html = client.get(f"/meetups/{occurrence.pk}/").content.decode()

    assert "You're going." in html
    assert SECRET_LINK in html


def test_cancelled_meetup_in_lists_says_cancelled_not_going(client, staff, alumnus, occurrence):
    actions.rsvp(member=alumnus, occurrence=occurrence, status="going")
    actions.cancel_occurrence(actor=staff, occurrence=occurrence)
    client.force_login(alumnus)

    for url in ("/meetups/mine/", "/meetups/"):
        html = client.get(url).content.decode()
        row = html.split(f'id="occ-{occurrence.pk}-title"')[1].split("</article>")[0]
        assert "Cancelled" in row, url
        assert "You're going" not in row, url
