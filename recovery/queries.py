"""Reads the recovery pages share: a member's weeks, trend charts drawn as
SVG on the server (no JavaScript, no third-party request), gentle streaks,
and the summary a member may share with their mentor.

A chart is plain data for the template (`recovery/_chart.html`): segments of
a polyline broken at every week without a check-in (a gap, never a zero),
points with their values, and axis ticks. Every chart has a table of the
same numbers next to it for people who do not see it.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Prefetch

from community.permissions import is_active_member

from . import dates, questionnaire
from .models import CheckIn, Milestone, RecoveryDate, milestone_title

RANGES = {"12w": ("12 weeks", 12), "6m": ("6 months", 26), "1y": ("A year", 52)}
DEFAULT_RANGE = "12w"
SUMMARY_WEEKS = 8

# What each chart draws: the stored value, its scale, and words for both ends.
SERIES = (
    {
        "key": "phq2",
        "title": "Mood (PHQ-2)",
        "max": 6,
        "min": 0,
        "low": "0: no low mood",
        "high": "6: low mood nearly every day",
    },
    {
        "key": "gad2",
        "title": "Anxiety (GAD-2)",
        "max": 6,
        "min": 0,
        "low": "0: calm",
        "high": "6: anxious nearly every day",
    },
    {"key": "craving", "title": "Craving", "max": 10, "min": 0, "low": "0: none", "high": "10: strongest"},
    {"key": "sleep", "title": "Sleep", "max": 5, "min": 1, "low": "1: very poor", "high": "5: very good"},
    {"key": "stress", "title": "Stress", "max": 5, "min": 1, "low": "1: very low", "high": "5: very high"},
)
SUMMARY_SERIES = ("phq2", "gad2", "craving", "sleep", "stress")

WIDTH, HEIGHT = 320, 140
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 28, 10, 10, 22


def value_of(checkin: CheckIn, key: str):
    if key in ("phq2", "gad2", "craving"):
        return getattr(checkin, key)
    value = checkin.answers.get(key)
    return value if isinstance(value, int) else None


def weeks_back(last: date, count: int) -> list[date]:
    return [last - timedelta(weeks=n) for n in range(count - 1, -1, -1)]


def checkins_in(member, first: date, last: date) -> dict[date, CheckIn]:
    """The member's check-ins of those weeks, by week (one query)."""
    rows = CheckIn.objects.filter(member=member, week_start__gte=first, week_start__lte=last)
    return {c.week_start: c for c in rows}


@dataclass
class Chart:
    key: str
    title: str
    low: str
    high: str
    width: int = WIDTH
    height: int = HEIGHT
    segments: list[str] = field(default_factory=list)
    points: list[dict] = field(default_factory=list)
    ticks: list[dict] = field(default_factory=list)
    labels: list[dict] = field(default_factory=list)
    values: list = field(default_factory=list)
    description: str = ""

    @property
    def has_data(self) -> bool:
        return bool(self.points)


def build_chart(series: dict, weeks: list[date], by_week: dict[date, CheckIn]) -> Chart:
    chart = Chart(key=series["key"], title=series["title"], low=series["low"], high=series["high"])
    lo, hi = series["min"], series["max"]
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    step = plot_w / max(len(weeks) - 1, 1)

    def y_of(value) -> float:
        return round(PAD_TOP + plot_h - (value - lo) / (hi - lo) * plot_h, 1)

    segment = []
    for index, week in enumerate(weeks):
        checkin = by_week.get(week)
        value = value_of(checkin, series["key"]) if checkin else None
        chart.values.append(value)
        if value is None:
            if segment:
                chart.segments.append(_path(segment))
            segment = []
            continue
        x = round(PAD_LEFT + index * step, 1)
        y = y_of(value)
        segment.append((x, y))
        chart.points.append({"x": x, "y": y, "value": value, "week": week})
    if segment:
        chart.segments.append(_path(segment))
    chart.ticks = [{"y": y_of(v), "label": v} for v in (lo, (lo + hi) // 2, hi)]
    # About four dates under the axis, counted back from this week so the
    # latest is always named; the last is anchored at its end (inside the
    # drawing), a label on the very first week at its start.
    every = max(1, len(weeks) // 4)
    last = len(weeks) - 1
    chart.labels = [
        {
            "x": round(PAD_LEFT + i * step, 1),
            "text": f"{week:%b} {week.day}",
            "anchor": "end" if i == last else "start" if i == 0 else "middle",
        }
        for i, week in enumerate(weeks)
        if (last - i) % every == 0
    ]
    known = [v for v in chart.values if v is not None]
    if known:
        chart.description = (
            f"{len(known)} of {len(weeks)} weeks answered; lowest {min(known)}, highest {max(known)}, "
            f"latest {known[-1]} (scale {series['low']} to {series['high']})."
        )
    else:
        chart.description = "No answers in these weeks yet."
    return chart


def _path(points: list[tuple[float, float]]) -> str:
    if len(points) == 1:
        # A lone week is a dot (its circle); a zero-length path draws nothing.
        return ""
    return "M " + " L ".join(f"{x} {y}" for x, y in points)


@dataclass
class Streak:
    weeks: list[dict]  # {"week", "done"} oldest first
    done: int
    run: int  # weeks in a row up to this week (or last week, if this one is still open)
    longest: int


def streak(weeks: list[date], by_week: dict[date, CheckIn]) -> Streak:
    """Weeks with a check-in, counted kindly: a week without one is simply
    not counted — never a broken streak, never a missed mark. The current
    run does not end because this week is still open."""
    marks = [{"week": w, "done": w in by_week} for w in weeks]
    run = 0
    rest = marks[:-1] if marks and not marks[-1]["done"] else marks
    for mark in reversed(rest):
        if not mark["done"]:
            break
        run += 1
    longest = current = 0
    for mark in marks:
        current = current + 1 if mark["done"] else 0
        longest = max(longest, current)
    return Streak(weeks=marks, done=sum(m["done"] for m in marks), run=run, longest=longest)


def progress(member, range_key: str, now=None) -> dict:
    """Everything the My progress page shows (one query)."""
    label, count = RANGES.get(range_key, RANGES[DEFAULT_RANGE])
    last = dates.current_week(member, now)
    weeks = weeks_back(last, count)
    by_week = checkins_in(member, weeks[0], last)
    charts = [build_chart(s, weeks, by_week) for s in SERIES]
    rows = []
    for week in weeks:
        checkin = by_week.get(week)
        rows.append({"week": week, "checkin": checkin, "values": [c.values[weeks.index(week)] for c in charts]})
    return {
        "range_label": label,
        "range_key": range_key if range_key in RANGES else DEFAULT_RANGE,
        "weeks": weeks,
        "charts": charts,
        "rows": rows,
        "streak": streak(weeks, by_week),
        "this_week": by_week.get(last),
    }


def summary(member, now=None) -> dict:
    """What a mentor the member shares with sees: the last SUMMARY_WEEKS
    weeks of mood, anxiety, craving, sleep and stress, how many weeks had a
    check-in, meetings attended and what helped. Never the free note, the
    days-used answer or the safety answer (one query)."""
    last = dates.current_week(member, now)
    weeks = weeks_back(last, SUMMARY_WEEKS)
    by_week = checkins_in(member, weeks[0], last)
    charts = [build_chart(s, weeks, by_week) for s in SERIES if s["key"] in SUMMARY_SERIES]
    attended, helped = Counter(), Counter()
    for checkin in by_week.values():
        definition = questionnaire.get(checkin.version)
        for value in checkin.answers.get("attended", []):
            attended[definition.question("attended").label_of([value])] += 1
        if checkin.answers.get("protective"):
            helped[definition.question("protective").label_of(checkin.answers["protective"])] += 1
    return {
        "weeks": weeks,
        "charts": charts,
        "rows": [{"week": w, "values": [c.values[i] for c in charts]} for i, w in enumerate(weeks)],
        "streak": streak(weeks, by_week),
        "attended": attended.most_common(),
        "helped": helped.most_common(3),
    }


def answers_for_display(checkin: CheckIn) -> list[dict]:
    """A check-in's answers as legend and words, in the order they were asked."""
    definition = questionnaire.get(checkin.version)
    shown = []
    for q in definition.questions:
        if q.key in checkin.answers:
            shown.append({"legend": q.legend, "answer": q.label_of(checkin.answers[q.key])})
    return shown


def own_recovery_dates(member, now=None) -> list[RecoveryDate]:
    """The member's current dates with their milestones and history (three
    queries: dates, milestones, and nothing per date). Each gets `days`,
    `next_key`, `next_title`, `next_on`, `reached` and `history`."""
    all_dates = list(
        RecoveryDate.objects.filter(member=member).prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.order_by("reached_on", "pk"))
        )
    )
    by_pk = {d.pk: d for d in all_dates}
    today = dates.local_today(member, now)
    current = []
    for d in all_dates:
        if not d.is_current:
            continue
        d.days = (today - d.start_date).days
        d.next_key, d.next_on = dates.next_milestone(d.start_date, today)
        d.next_title = milestone_title(d.next_key)
        d.reached = list(d.milestones.all())
        history, node = [], by_pk.get(d.previous_id)
        while node is not None:
            history.append(node)
            node = by_pk.get(node.previous_id)
        d.history = history
        current.append(d)
    return current


def home_section(user) -> dict:
    """The home page card: this week's check-in, and the next milestone
    (two queries)."""
    section = {"title": "My recovery", "template": "recovery/_home_section.html", "active": False}
    if not is_active_member(user):
        return section
    week = dates.current_week(user)
    section["active"] = True
    section["checked_in"] = CheckIn.objects.filter(member=user, week_start=week).exists()
    today = dates.local_today(user)
    upcoming = []
    for d in RecoveryDate.objects.filter(member=user, ended_on__isnull=True):
        key, day = dates.next_milestone(d.start_date, today)
        upcoming.append(
            {"label": d.label, "title": milestone_title(key), "on": day, "days": (today - d.start_date).days}
        )
    section["dates"] = sorted(upcoming, key=lambda u: u["on"])[:3]
    return section
