"""iCalendar output with the icalendar library.

Each occurrence is its own VEVENT with its own stable UID (the occurrence
row's uuid), so one can be moved or cancelled without touching the others.
Times carry the meetup's TZID with a matching VTIMEZONE; SEQUENCE is the
occurrence's change counter; cancellations are STATUS:CANCELLED.
"""

import re
from collections.abc import Iterable
from datetime import UTC, date, timedelta
from urllib.parse import urlencode

import icalendar
from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify

from .models import Occurrence

PRODID = "-//Alumni Community//Meetups//EN"


def _calendar(name: str) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _line(name))
    return cal


def _vevent(occ: Occurrence, *, show_link: bool) -> icalendar.Event:
    event = occ.event
    page = settings.SITE_URL + occ.get_absolute_url()
    ve = icalendar.Event()
    ve.add("uid", f"{occ.uid}@{_domain()}")
    ve.add("dtstamp", timezone.now())
    ve.add("last-modified", occ.updated_at if occ.updated_at > event.updated_at else event.updated_at)
    ve.add("dtstart", occ.starts_at.astimezone(event.zone))
    ve.add("dtend", occ.ends_at.astimezone(event.zone))
    ve.add("summary", _line(event.title))
    ve.add("sequence", occ.sequence)
    ve.add("status", "CANCELLED" if occ.is_cancelled else "CONFIRMED")
    ve.add("url", page)
    parts = [event.description.strip()] if event.description.strip() else []
    if show_link and event.has_link:
        parts.append(f"Join online: {event.meeting_url}")
    elif event.has_link:
        parts.append("The online meeting link is on the meetup page for members who are going.")
    parts.append(f"Details and RSVP: {page}")
    ve.add("description", "\n\n".join(parts))
    if event.has_place:
        ve.add(
            "location",
            event.address + (f" / {event.meeting_url}" if show_link and event.has_link else ""),
        )
    elif show_link and event.has_link:
        ve.add("location", event.meeting_url)
    return ve


def _line(text: str) -> str:
    """One line of text: a line break kept from an older row must never break
    the file (the calendar name is not escaped the way text properties are)."""
    return re.sub(r"[\x00-\x1f\x7f]+", " ", text or "").strip()


def _domain() -> str:
    return settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "alumni.invalid"


def _finish(cal: icalendar.Calendar, occurrences: list[Occurrence]) -> bytes:
    if occurrences:
        first = min(o.starts_at for o in occurrences).date() - timedelta(days=400)
        last = max(o.ends_at for o in occurrences).date() + timedelta(days=400)
        cal.add_missing_timezones(first_date=first, last_date=last)
    return cal.to_ical()


def occurrence_ics(occ: Occurrence, *, show_link: bool) -> bytes:
    cal = _calendar(occ.event.title)
    cal.add_component(_vevent(occ, show_link=show_link))
    return _finish(cal, [occ])


def feed_ics(items: Iterable[tuple[Occurrence, bool]], *, name: str) -> bytes:
    """A subscription feed: (occurrence, show_link) pairs."""
    cal = _calendar(name)
    cal.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT6H")
    occurrences = []
    for occ, show_link in items:
        cal.add_component(_vevent(occ, show_link=show_link))
        occurrences.append(occ)
    return _finish(cal, occurrences)


def google_calendar_url(occ: Occurrence) -> str:
    """A link that opens Google Calendar's "new event" form filled in with
    this meetup. Only what any member of its audience may know goes into the
    address (Google sees it): the title, the times, the place and our page,
    never the online meeting link, which stays on the page for those going."""
    event = occ.event
    page = settings.SITE_URL + occ.get_absolute_url()
    stamp = "%Y%m%dT%H%M%SZ"
    start = occ.starts_at.astimezone(UTC).strftime(stamp)
    end = occ.ends_at.astimezone(UTC).strftime(stamp)
    details = "Details, RSVP" + (" and the online link" if event.has_link else "") + f": {page}"
    query = {
        "action": "TEMPLATE",
        "text": _line(event.title),
        "dates": f"{start}/{end}",
        "ctz": event.time_zone,
        "details": details,
    }
    if event.has_place:
        query["location"] = _line(event.address)
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


def webcal_url(https_url: str) -> str:
    """The subscription address as calendar apps want it to subscribe
    (webcal://), rather than download once."""
    return re.sub(r"^https?://", "webcal://", https_url)


def google_subscribe_url(https_url: str) -> str:
    """Google Calendar's "add by URL" page for the subscription address
    (Google then fetches the feed itself, so the address reaches Google)."""
    return "https://calendar.google.com/calendar/render?" + urlencode({"cid": webcal_url(https_url)})


def filename(occ: Occurrence) -> str:
    day: date = occ.local_starts_at.date()
    return f"{slugify(occ.event.title)[:40] or 'meetup'}-{day.isoformat()}.ics"
