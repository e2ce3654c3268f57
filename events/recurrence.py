"""Series rules as python-dateutil rrules, evaluated in local wall-clock time.

The rule runs over *naive* local datetimes; each result is then placed in the
series' zone with zoneinfo. Running it over aware datetimes would keep the UTC
offset of the first occurrence and drift an hour at every DST change.
"""

from datetime import date, datetime, timedelta

from dateutil import rrule

from .models import Event

# Occurrence rows exist this far ahead; `manage.py extend_meetups` (daily)
# moves the window forward.
HORIZON_DAYS = 183
# A safety net against rules that would create thousands of rows.
MAX_OCCURRENCES = 400

_WEEKDAYS = [rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU]
WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
NTH_NAMES = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


def build_rule(event: Event) -> rrule.rrule:
    """The series' rule starting at its first local start (naive)."""
    dtstart = event.local_start()
    common = {"dtstart": dtstart}
    if event.until is not None:
        common["until"] = datetime.combine(event.until, datetime.max.time())
    elif event.count is not None:
        common["count"] = event.count
    if event.frequency == Event.Frequency.ONCE:
        return rrule.rrule(rrule.DAILY, dtstart=dtstart, count=1)
    if event.frequency in (Event.Frequency.WEEKLY, Event.Frequency.BIWEEKLY):
        interval = 2 if event.frequency == Event.Frequency.BIWEEKLY else 1
        days = [_WEEKDAYS[d] for d in sorted(set(event.weekdays or [dtstart.weekday()]))]
        return rrule.rrule(rrule.WEEKLY, interval=interval, byweekday=days, **common)
    if event.frequency == Event.Frequency.MONTHLY:
        weekday = _WEEKDAYS[event.monthly_weekday](event.monthly_nth)
        return rrule.rrule(rrule.MONTHLY, byweekday=weekday, **common)
    raise ValueError(f"Unknown frequency {event.frequency!r}")


def local_starts(event: Event, *, start: date | None = None, end: date) -> list[datetime]:
    """Naive local starts produced by the rule with dates in [start, end]."""
    rule = build_rule(event)
    lower = datetime.combine(start or event.start_date, datetime.min.time())
    upper = datetime.combine(end, datetime.max.time())
    results = []
    for dt in rule.xafter(lower - timedelta(microseconds=1), inc=True, count=MAX_OCCURRENCES):
        if dt > upper:
            break
        results.append(dt)
    return results


def first_start(event: Event) -> datetime | None:
    """The rule's first date, or None for a rule that produces nothing."""
    return build_rule(event).after(event.local_start() - timedelta(microseconds=1), inc=True)


def horizon(today: date) -> date:
    return today + timedelta(days=HORIZON_DAYS)


def describe(event: Event) -> str:
    """'Weekly on Tuesday until 2026-12-01' and the like, for people."""
    if event.frequency == Event.Frequency.ONCE:
        return "One-time meetup"
    if event.frequency == Event.Frequency.MONTHLY:
        nth = NTH_NAMES.get(event.monthly_nth, "?")
        text = f"Monthly on the {nth} {WEEKDAY_NAMES[event.monthly_weekday]}"
    else:
        days = ", ".join(WEEKDAY_NAMES[d] for d in sorted(event.weekdays or [event.start_date.weekday()]))
        text = ("Every 2 weeks" if event.frequency == Event.Frequency.BIWEEKLY else "Weekly") + f" on {days}"
    if event.until:
        text += f", until {event.until:%b %-d, %Y}"
    elif event.count:
        text += f", {event.count} times"
    return text
