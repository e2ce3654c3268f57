"""Reads used by several pages (agenda, month grid, my meetups, the home page).

Every list is one query for the occurrences — series, host, audience and the
viewer's own RSVP status come with it — so a page costs the same with one
meetup or fifty.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from community.permissions import is_active_account

from .display import clock, when, zone_or_default
from .models import RSVP, Event, Occurrence

FORMAT_FILTERS = {
    # Hybrid meetups are both: someone looking for either should find them.
    "in_person": [Event.Format.IN_PERSON, Event.Format.HYBRID],
    "virtual": [Event.Format.VIRTUAL, Event.Format.HYBRID],
}
AUDIENCE_FILTERS = {
    "all": Event.Audience.ALL,
    "cohort": Event.Audience.COHORT,
    "room": Event.Audience.ROOM,
}


@dataclass
class Filters:
    format: str = ""
    audience: str = ""

    @classmethod
    def from_query(cls, params) -> "Filters":
        fmt = params.get("format", "")
        audience = params.get("audience", "")
        return cls(
            format=fmt if fmt in FORMAT_FILTERS else "",
            audience=audience if audience in AUDIENCE_FILTERS else "",
        )

    def apply(self, qs):
        if self.format:
            qs = qs.filter(event__format__in=FORMAT_FILTERS[self.format])
        if self.audience:
            qs = qs.filter(event__audience=AUDIENCE_FILTERS[self.audience])
        return qs

    @property
    def query(self) -> str:
        parts = [f"{k}={v}" for k, v in (("format", self.format), ("audience", self.audience)) if v]
        return "&".join(parts)


def with_my_status(qs, user):
    """Annotate each occurrence with the viewer's RSVP status (or None)."""
    mine = RSVP.objects.filter(occurrence=OuterRef("pk"), member=user).values("status")[:1]
    return qs.annotate(my_status=Subquery(mine))


def _decorate(occurrences, user) -> list[Occurrence]:
    for occ in occurrences:
        occ.when = when(occ.starts_at, occ.ends_at, user.time_zone, occ.event.time_zone)
        occ.local_day = occ.when["start"].date()
    return list(occurrences)


def visible_occurrences(user, filters: Filters | None = None):
    qs = with_my_status(Occurrence.objects.visible_to(user).for_lists(), user)
    return (filters or Filters()).apply(qs)


def agenda(user, *, start: date, days: int, filters: Filters) -> list[Occurrence]:
    """Occurrences from the viewer's local `start` for `days` days, in order."""
    zone = zone_or_default(user.time_zone)
    lower = datetime.combine(start, datetime.min.time(), tzinfo=zone)
    upper = lower + timedelta(days=days)
    now = timezone.now()
    qs = visible_occurrences(user, filters).filter(starts_at__lt=upper, ends_at__gt=max(lower, now))
    return _decorate(qs.order_by("starts_at", "id"), user)


@dataclass
class MonthEntry:
    """One meetup in a month cell: only what the cell shows (no series,
    host or labels — the month can hold hundreds of meetups)."""

    pk: int
    title: str
    format: str
    starts_at: datetime  # in the viewer's zone
    starts_at_iso: str
    start_clock: str
    is_cancelled: bool
    my_status: str | None
    url: str


@dataclass
class Day:
    date: date
    in_month: bool
    is_today: bool
    occurrences: list = field(default_factory=list)
    weekday_name: str = ""  # "Monday", as the |date:"l" filter writes it
    label: str = ""  # "Dec 7", as |date:"M j" writes it


def month_grid(user, *, year: int, month: int, filters: Filters) -> list[list[Day]]:
    """Weeks (Monday first) of the month in the viewer's zone, each day with
    its meetups as MonthEntry rows, in one query of plain columns."""
    zone = zone_or_default(user.time_zone)
    cal = calendar.Calendar(firstweekday=0)
    weeks_dates = cal.monthdatescalendar(year, month)
    first, last = weeks_dates[0][0], weeks_dates[-1][-1]
    lower = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    upper = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    qs = with_my_status(Occurrence.objects.visible_to(user), user)
    rows = (
        filters.apply(qs)
        .filter(starts_at__gte=lower, starts_at__lt=upper)
        .order_by("starts_at", "id")
        .values_list(
            "pk", "starts_at", "cancelled_at", "event__title", "event__format", "event__cancelled_at", "my_status"
        )
    )
    # One reverse() for the month, not one per meetup (it costs ~15 µs and a
    # month holds hundreds): the occurrence id is the URL's only variable part.
    marker = 2_000_000_001
    prefix, suffix = reverse("events:occurrence", args=[marker]).split(str(marker))
    by_day: dict[date, list] = {}
    for pk, starts_at, cancelled_at, title, fmt, event_cancelled_at, my_status in rows:
        local = starts_at.astimezone(zone)
        entry = MonthEntry(
            pk=pk,
            title=title,
            format=fmt,
            starts_at=local,
            starts_at_iso=local.isoformat(),
            start_clock=clock(local),
            is_cancelled=cancelled_at is not None or event_cancelled_at is not None,
            my_status=my_status,
            url=f"{prefix}{pk}{suffix}",
        )
        by_day.setdefault(local.date(), []).append(entry)
    today = timezone.localdate(timezone.now(), zone)
    # Each cell's names, formatted once per weekday and month shown rather
    # than through two template filters per cell (a sixth of the page).
    weekday_names = {d.weekday(): date_format(d, "l") for d in weeks_dates[0]}
    month_names = {d.month: date_format(d, "M") for week in weeks_dates for d in (week[0], week[-1])}
    return [
        [
            Day(
                d,
                d.month == month,
                d == today,
                by_day.get(d, []),
                weekday_name=weekday_names[d.weekday()],
                label=f"{month_names[d.month]} {d.day}",
            )
            for d in week
        ]
        for week in weeks_dates
    ]


def my_meetups(user) -> tuple[list[Occurrence], list[Occurrence]]:
    """(coming, recent past) occurrences the member is going to or
    waitlisted for; the past ones are the last 60 days they were going to.
    Only meetups they may still see: an RSVP outlives a room ban or a cohort
    move, the audience's meetups (and links added later) do not."""
    now = timezone.now()
    base = with_my_status(Occurrence.objects.visible_to(user).for_lists(), user).filter(
        rsvps__member=user, rsvps__status__in=[RSVP.Status.GOING, RSVP.Status.WAITLISTED]
    )
    coming = base.filter(ends_at__gt=now).order_by("starts_at", "id")
    past = base.filter(ends_at__lte=now, ends_at__gt=now - timedelta(days=60)).order_by("-starts_at")
    return _decorate(coming, user), _decorate(past.filter(rsvps__status=RSVP.Status.GOING), user)


def waitlist_position(rsvp: RSVP | None) -> int | None:
    """1 for the head of the waitlist; None when not waitlisted."""
    if rsvp is None or rsvp.status != RSVP.Status.WAITLISTED:
        return None
    ahead = RSVP.objects.filter(occurrence_id=rsvp.occurrence_id, status=RSVP.Status.WAITLISTED).filter(
        Q(waitlisted_at__lt=rsvp.waitlisted_at) | Q(waitlisted_at=rsvp.waitlisted_at, id__lt=rsvp.id)
    )
    return ahead.count() + 1


def feed_items(member) -> list[tuple[Occurrence, bool]]:
    """What a member's subscription feed carries: every meetup they are going
    to from 30 days ago on, cancelled ones included (as STATUS:CANCELLED) so
    calendar apps remove them. Going members may see the link. Only meetups
    the member may still see (see my_meetups): the feed is read without a
    session, long after a ban or a cohort move."""
    since = timezone.now() - timedelta(days=30)
    occurrences = (
        Occurrence.objects.visible_to(member)
        .filter(rsvps__member=member, rsvps__status=RSVP.Status.GOING, ends_at__gt=since)
        .select_related("event")
        .order_by("starts_at")
    )
    return [(occ, occ.event.has_link) for occ in occurrences]


def attendee_rows(occurrence: Occurrence) -> list[RSVP]:
    """Going members first (by name), then the waitlist in order."""
    rsvps = list(
        occurrence.rsvps.filter(status__in=[RSVP.Status.GOING, RSVP.Status.WAITLISTED]).select_related("member")
    )
    going = sorted(
        (r for r in rsvps if r.status == RSVP.Status.GOING),
        key=lambda r: r.member.display_name.lower(),
    )
    waiting = sorted(
        (r for r in rsvps if r.status == RSVP.Status.WAITLISTED),
        key=lambda r: (r.waitlisted_at, r.id),
    )
    for i, r in enumerate(waiting, start=1):
        r.position = i
    return going + waiting


def home_section(user) -> dict:
    """The home page card: the member's next meetups, else what is coming up."""

    section = {
        "title": "Next meetups",
        "template": "events/_home_section.html",
        "occurrences": [],
        "mine": False,
    }
    if not is_active_account(user):
        return section
    now = timezone.now()
    mine = list(
        with_my_status(Occurrence.objects.visible_to(user).for_lists(), user)
        .filter(rsvps__member=user, rsvps__status__in=[RSVP.Status.GOING, RSVP.Status.WAITLISTED])
        .filter(ends_at__gt=now, cancelled_at__isnull=True)
        .order_by("starts_at")[:3]
    )
    if mine:
        section.update(occurrences=_decorate(mine, user), mine=True)
        return section
    coming = (
        visible_occurrences(user)
        .filter(ends_at__gt=now, cancelled_at__isnull=True, event__cancelled_at__isnull=True)
        .order_by("starts_at")[:3]
    )
    section["occurrences"] = _decorate(coming, user)
    return section
