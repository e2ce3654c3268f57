"""How meetup times read to a member: in their own zone, with the meetup's
zone noted when it differs."""

import zoneinfo
from datetime import datetime


def zone_or_default(name: str | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "America/Chicago")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("America/Chicago")


def clock(dt: datetime) -> str:
    """'7:05 PM' — what strftime("%-I:%M %p") gives in the C locale, built by
    hand: strftime on an aware datetime costs ~20 µs, and the month grid
    shows hundreds of clocks."""
    return f"{dt.hour % 12 or 12}:{dt.minute:02d} {'AM' if dt.hour < 12 else 'PM'}"


def day_label(dt: datetime) -> str:
    return dt.strftime("%a, %b %-d")


def when(starts_at: datetime, ends_at: datetime, viewer_zone: str, event_zone: str) -> dict:
    """Everything a page needs to show one occurrence's time.

    Returns local start/end for the viewer, a one-line label, and `event_label`
    (the same span in the meetup's own zone) only when the zones differ at
    that moment — two zone names with the same offset count as the same.
    """
    viewer = zone_or_default(viewer_zone)
    start, end = starts_at.astimezone(viewer), ends_at.astimezone(viewer)
    same_day = start.date() == end.date()
    until = clock(end) if same_day else f"{day_label(end)} {clock(end)}"
    label = f"{day_label(start)} · {clock(start)}–{until} {start.tzname()}"
    event_label = ""
    if event_zone != viewer_zone:
        ev = zone_or_default(event_zone)
        es, ee = starts_at.astimezone(ev), ends_at.astimezone(ev)
        if es.utcoffset() != start.utcoffset() or es.tzname() != start.tzname():
            event_label = f"{day_label(es)} · {clock(es)}–{clock(ee)} {es.tzname()} ({event_zone})"
    return {
        "start": start,
        "end": end,
        "start_clock": clock(start),
        "label": label,
        "event_label": event_label,
    }


def short(dt: datetime, zone_name: str) -> str:
    """'Tue, Oct 13 at 7:00 PM CDT' in the given zone (notifications)."""
    local = dt.astimezone(zone_or_default(zone_name))
    return f"{day_label(local)} at {clock(local)} {local.tzname()}"
