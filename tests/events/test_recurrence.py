"""Series rules: DST, the supported patterns, and rules that produce nothing."""

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from events.models import Occurrence

from .conftest import make_event

CHICAGO = ZoneInfo("America/Chicago")
UTC = ZoneInfo("UTC")


@pytest.fixture
def fall_2099():
    """Dates far enough ahead that 'now' never interferes: DST in Chicago
    ends on Sunday 1 November 2099."""
    return date(2099, 10, 20)  # a Tuesday


def test_weekly_7pm_chicago_stays_7pm_local_across_dst_end(staff, fall_2099):
    event = make_event(
        staff,
        start_date=fall_2099,
        start_time=time(19, 0),
        frequency="weekly",
        weekdays=[1],
        count=4,
    )

    occurrences = list(event.occurrences.order_by("starts_at"))

    assert [o.starts_at.astimezone(CHICAGO).strftime("%Y-%m-%d %H:%M") for o in occurrences] == [
        "2099-10-20 19:00",
        "2099-10-27 19:00",
        "2099-11-03 19:00",
        "2099-11-10 19:00",
    ]
    # 19:00 CDT is 00:00 UTC; after the change 19:00 CST is 01:00 UTC.
    assert [o.starts_at.astimezone(UTC).strftime("%d %H:%M") for o in occurrences] == [
        "21 00:00",
        "28 00:00",
        "04 01:00",
        "11 01:00",
    ]
    assert all(o.ends_at - o.starts_at == timedelta(minutes=90) for o in occurrences)


def test_weekly_7pm_chicago_stays_7pm_local_across_dst_start(staff):
    # DST in Chicago starts on Sunday 8 March 2099.
    event = make_event(
        staff,
        start_date=date(2099, 3, 3),
        start_time=time(19, 0),
        frequency="weekly",
        weekdays=[1],
        count=3,
    )

    hours = [
        (o.starts_at.astimezone(CHICAGO).hour, o.starts_at.astimezone(UTC).hour)
        for o in event.occurrences.order_by("starts_at")
    ]

    assert hours == [(19, 1), (19, 0), (19, 0)]


def test_weekly_on_several_weekdays_until_a_date(staff, fall_2099):
    event = make_event(staff, start_date=fall_2099, frequency="weekly", weekdays=[1, 3], until=date(2099, 10, 30))

    dates = [o.series_date for o in event.occurrences.order_by("starts_at")]

    assert dates == [date(2099, 10, 20), date(2099, 10, 22), date(2099, 10, 27), date(2099, 10, 29)]


def test_every_two_weeks(staff, fall_2099):
    event = make_event(staff, start_date=fall_2099, frequency="biweekly", weekdays=[1], count=3)

    dates = [o.series_date for o in event.occurrences.order_by("starts_at")]

    assert dates == [date(2099, 10, 20), date(2099, 11, 3), date(2099, 11, 17)]


def test_monthly_on_the_second_thursday(staff):
    event = make_event(
        staff,
        start_date=date(2099, 1, 1),
        frequency="monthly",
        monthly_nth=2,
        monthly_weekday=3,
        count=3,
    )

    dates = [o.series_date for o in event.occurrences.order_by("starts_at")]

    assert dates == [date(2099, 1, 8), date(2099, 2, 12), date(2099, 3, 12)]


def test_monthly_on_the_last_friday(staff):
    event = make_event(
        staff,
        start_date=date(2099, 1, 1),
        frequency="monthly",
        monthly_nth=-1,
        monthly_weekday=4,
        count=2,
    )

    assert [o.series_date for o in event.occurrences.order_by("starts_at")] == [
        date(2099, 1, 30),
        date(2099, 2, 27),
    ]


def test_open_ended_count_is_materialised_only_to_the_horizon(staff):
    from django.utils import timezone

    start = timezone.localdate() + timedelta(days=1)
    event = make_event(staff, start_date=start, frequency="weekly", weekdays=[start.weekday()], count=200)

    latest = event.occurrences.order_by("-starts_at").first()

    assert 25 <= event.occurrences.count() <= 28
    assert latest.series_date <= start + timedelta(days=183)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"frequency": "weekly", "weekdays": [1], "until": date(2099, 10, 19)}, "until"),
        ({"frequency": "weekly", "weekdays": [], "count": 3}, "weekdays"),
        # A 5th Monday only exists in some months; none between these dates.
        (
            {"frequency": "monthly", "monthly_nth": 5, "monthly_weekday": 0, "count": 2},
            "monthly_nth",
        ),
        (
            {
                "frequency": "monthly",
                "monthly_nth": 4,
                "monthly_weekday": 0,
                "until": date(2099, 10, 21),
            },
            "frequency",
        ),
        ({"frequency": "weekly", "weekdays": [1]}, "ends"),
        ({"frequency": "weekly", "weekdays": [1], "count": 0}, "count"),
    ],
)
def test_rule_that_produces_no_dates_saves_nothing(staff, fall_2099, overrides, field):
    with pytest.raises(ValidationError) as exc:
        make_event(staff, start_date=fall_2099, **overrides)

    assert field in exc.value.message_dict
    assert not Occurrence.objects.exists()
