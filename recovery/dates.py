"""Weeks, reminder times and milestone dates, in the member's own time zone.

Pure functions of their arguments (no database): the actions, the periodic
jobs and the pages share them, and the DST tests call them directly.
"""

import calendar
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from .models import MILESTONE_RULES, MilestoneRule


def zone_of(member) -> ZoneInfo:
    return ZoneInfo(member.time_zone or "UTC")


def local_today(member, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(zone_of(member)).date()


def week_start(day: date) -> date:
    """The Monday of the week `day` is in."""
    return day - timedelta(days=day.weekday())


def current_week(member, now: datetime | None = None) -> date:
    """The Monday of the member's current week, in their time zone."""
    return week_start(local_today(member, now))


def reminder_due_at(*, weekday: int, at: time, week: date, zone: ZoneInfo) -> datetime:
    """The moment the reminder of `week` is due: that weekday at that wall-clock
    time in the zone. A time that a spring-forward skips (02:30) is read with
    the offset before the change, so it lands an hour later on the clock
    (03:30) — never skipped; a time that happens twice is taken the first time."""
    local = datetime.combine(week + timedelta(days=weekday), at).replace(tzinfo=zone, fold=0)
    return local.astimezone(ZoneInfo("UTC"))


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the 31st falls back to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def milestone_date(start: date, rule: MilestoneRule) -> date:
    return add_months(start, rule.months) + timedelta(days=rule.days) if rule.months else start + timedelta(rule.days)


def milestones_between(start: date, until: date) -> list[tuple[str, date]]:
    """Every (key, date) from `start` reached on or before `until`, in order:
    1 day, 1 week, 30/60/90 days, 6 months, then each year."""
    reached = [(rule.key, milestone_date(start, rule)) for rule in MILESTONE_RULES]
    reached = [(key, day) for key, day in reached if day <= until]
    years = 1
    while (anniversary := add_months(start, 12 * years)) <= until:
        reached.append((f"{years}y", anniversary))
        years += 1
    return reached


def next_milestone(start: date, today: date) -> tuple[str, date]:
    """The first milestone after `today`."""
    for rule in MILESTONE_RULES:
        day = milestone_date(start, rule)
        if day > today:
            return rule.key, day
    years = 1
    while (anniversary := add_months(start, 12 * years)) <= today:
        years += 1
    return f"{years}y", anniversary
