"""The program's view of its alumni community: weekly aggregates across the
apps (chat, check-ins, meetups, mentoring, the crisis loop), for staff.

Only counts leave this module, never a member: every cell that counts fewer
than SMALL_CELL people (1 to 4) is suppressed, so no week can single anyone
out. A fixed number of queries, whatever the community's size."""

import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from community.models import User
from events.models import RSVP
from groups.models import CrisisAlert, Message, Room
from mentorship.models import Mentorship
from recovery.models import CheckIn

from .models import ProgramWeek

SMALL_CELL = 5
WEEKS = 12
SUPPRESSED = "<5"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    help: str


COLUMNS = [
    Column("active", "Members active", "posted in a room, checked in or answered a meetup"),
    Column("messages", "Messages", "messages posted in rooms"),
    Column("checkins", "Check-ins", "members who did their weekly check-in"),
    Column("rsvps", "Meetup RSVPs", "members who said they are going to a meetup that week"),
    Column("attended", "Meetup attendance", "members marked present at a meetup that week"),
    Column("mentorships", "Active mentorships", "mentorships running at the end of the week"),
    Column("mentorship_weeks", "Mentorship length (weeks)", "median age of the running mentorships"),
    Column("alerts", "Crisis alerts", "alerts opened (detected, reported or asked for)"),
    Column("ack_minutes", "Minutes to acknowledge", "median, shown when 5 or more alerts were acknowledged"),
]
COUNTS = {"active", "messages", "checkins", "rsvps", "attended", "mentorships", "alerts"}


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def week_starts(today: date, weeks: int = WEEKS) -> list[date]:
    """The Mondays of the last `weeks` closed weeks, oldest first, last week
    last. The week in progress is not shown: its numbers would move as people
    act, which says who did what."""
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=n) for n in range(weeks, 0, -1)]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def suppress(value: int | None) -> int | str | None:
    """A count of 1 to 4 becomes "<5"; 0 and 5 or more stay as they are."""
    if value is None or value == 0 or value >= SMALL_CELL:
        return value
    return SUPPRESSED


def weekly_figures(today: date | None = None) -> list[dict]:
    """One row per closed week: its Monday and each column's (suppressed)
    value. A week is computed once, when first asked for after it closed, and
    kept (ProgramWeek): later changes to the rows beneath it — an erasure, a
    deleted check-in — cannot be read off by comparing two downloads."""
    today = today or timezone.localdate(timezone=_zone())
    weeks = week_starts(today)
    kept = {w.week: w.figures for w in ProgramWeek.objects.filter(week__in=weeks)}
    missing = [week for week in weeks if week not in kept]
    if missing:
        fresh = _compute(missing)
        ProgramWeek.objects.bulk_create(
            [ProgramWeek(week=row["week"], figures=_stored(row)) for row in fresh], ignore_conflicts=True
        )
        kept.update({row["week"]: _stored(row) for row in fresh})
    return [{"week": week, **kept[week]} for week in weeks]


def _stored(row: dict) -> dict:
    return {key: value for key, value in row.items() if key != "week"}


def _compute(weeks: list[date]) -> list[dict]:
    """The figures of the given weeks (consecutive or not), from the rows as they are now."""
    zone = _zone()
    first = datetime.combine(weeks[0], time.min, tzinfo=zone)
    raw = {week: dict.fromkeys(COUNTS, 0) for week in weeks}
    active: dict[date, set[int]] = {week: set() for week in weeks}

    # Messages: count and who posted, by day in the program's zone.
    for day, author, n in (
        Message.objects.filter(created_at__gte=first, status=Message.Status.VISIBLE, author__isnull=False)
        # Rooms of the community only: two-person conversations (support,
        # mentorship) are nobody's statistic.
        .exclude(room__kind__in=Room.MEMBERS_ONLY)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values_list("day", "author")
        .annotate(n=Count("id"))
    ):
        week = _monday(day)
        if week in raw:
            raw[week]["messages"] += n
            active[week].add(author)

    for week_start, member in CheckIn.objects.filter(week_start__gte=weeks[0]).values_list("week_start", "member"):
        week = _monday(week_start)
        if week in raw:
            raw[week]["checkins"] += 1
            active[week].add(member)

    going = (
        RSVP.objects.filter(occurrence__starts_at__gte=first, status=RSVP.Status.GOING)
        .annotate(day=TruncDate("occurrence__starts_at", tzinfo=zone))
        .values_list("day", "member", "attended")
    )
    for day, member, attended in going:
        week = _monday(day)
        if week in raw:
            raw[week]["rsvps"] += 1
            raw[week]["attended"] += bool(attended)
            active[week].add(member)

    mentorships = list(
        Mentorship.objects.filter(started_at__isnull=False).values_list("started_at", "ended_at").order_by()
    )
    alerts = list(
        CrisisAlert.objects.filter(created_at__gte=first).values_list("created_at", "acknowledged_at").order_by()
    )

    rows = []
    for week in weeks:
        end = datetime.combine(week + timedelta(days=7), time.min, tzinfo=zone)
        figures = raw[week]
        figures["active"] = len(active[week])
        running = [end - started for started, ended in mentorships if started < end and (ended is None or ended >= end)]
        figures["mentorships"] = len(running)
        opened = [(c, a) for c, a in alerts if _monday(timezone.localtime(c, zone).date()) == week]
        figures["alerts"] = len(opened)
        row = {"week": week}
        for key in COUNTS:
            row[key] = suppress(figures[key])
        # A median over fewer than five is withheld like a small count.
        row["mentorship_weeks"] = (
            round(statistics.median(r.days / 7 for r in running), 1) if len(running) >= SMALL_CELL else None
        )
        acked = [(a - c).total_seconds() / 60 for c, a in opened if a is not None]
        row["ack_minutes"] = round(statistics.median(acked), 1) if len(acked) >= SMALL_CELL else None
        rows.append(row)
    return rows


def alumni_count() -> int | str | None:
    return suppress(User.objects.filter(role=User.Role.ALUMNUS, is_active=True).count())


def chart(rows: list[dict], key: str, *, width: int = 360, height: int = 120) -> dict:
    """Bars for one column, scaled to the largest shown value; a suppressed
    week is a short hatched bar labelled "<5"."""
    numbers = [r[key] for r in rows if isinstance(r[key], int | float)]
    top = max(numbers, default=0) or 1
    slot = width / len(rows)
    bars = []
    for i, row in enumerate(rows):
        value = row[key]
        if isinstance(value, int | float):
            h = round((height - 16) * value / top, 1)
            bars.append(
                {
                    "x": round(i * slot + 2, 1),
                    "y": height - h,
                    "h": h,
                    "w": round(slot - 4, 1),
                    "label": f"{row['week']:%b %-d}: {value}",
                    "suppressed": False,
                }
            )
        else:
            h = 6
            bars.append(
                {
                    "x": round(i * slot + 2, 1),
                    "y": height - h,
                    "h": h,
                    "w": round(slot - 4, 1),
                    "label": f"{row['week']:%b %-d}: {'fewer than 5' if value == SUPPRESSED else 'not shown'}",
                    "suppressed": True,
                }
            )
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "top": max(numbers, default=None),
        "first": rows[0]["week"],
        "last": rows[-1]["week"],
    }
