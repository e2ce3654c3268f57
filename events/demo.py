"""A realistic month of meetups for seed_demo: the weekly alumni group
(Tuesdays 7 pm, virtual), a Saturday sober social (in person), the monthly
family night (2nd Thursday, hybrid), a workshop that is full with a waitlist,
a cohort coffee — two weeks of history with attendance, and RSVPs ahead."""

from datetime import date, time, timedelta

from django.utils import timezone

from . import actions
from .models import RSVP, Event, Occurrence

ZONE = "America/Chicago"


def _on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def seed(context: dict) -> None:
    staff, riley = context["staff"], context["moderator"]
    alumni = context["alumni"]
    sam, jordan = context["sam"], context["jordan"]
    today = timezone.localdate()
    two_weeks_ago = today - timedelta(days=14)

    weekly = actions.create_event(
        author=staff,
        title="Weekly alumni group",
        description=(
            "Our Tuesday check-in, led by a peer facilitator.\n\n"
            "* Arrive a few minutes early to test your audio\n"
            "* Cameras optional\n"
            "* What's shared in group stays in group"
        ),
        host=riley,
        time_zone=ZONE,
        start_date=_on_or_after(two_weeks_ago, 1),
        start_time=time(19, 0),
        duration=timedelta(minutes=75),
        format=Event.Format.VIRTUAL,
        meeting_url="https://meet.example.org/alumni-tuesday-4k9q",
        audience=Event.Audience.ALL,
        frequency=Event.Frequency.WEEKLY,
        weekdays=[1],
        until=today + timedelta(days=120),
    )
    social = actions.create_event(
        author=staff,
        title="Saturday sober social",
        description="Board games, coffee and snacks. Newcomers very welcome — look for the blue tablecloth.",
        host=staff,
        time_zone=ZONE,
        start_date=_on_or_after(two_weeks_ago, 5),
        start_time=time(14, 0),
        duration=timedelta(hours=2),
        format=Event.Format.IN_PERSON,
        address="Riverside Community Center, Room B, 410 Water St",
        capacity=12,
        audience=Event.Audience.ALL,
        frequency=Event.Frequency.WEEKLY,
        weekdays=[5],
        count=12,
    )
    family = actions.create_event(
        author=staff,
        title="Family night",
        description=(
            "For alumni and the people who support them. This month: **setting boundaries "
            "without guilt**, with a short talk from our family therapist and time for questions."
        ),
        host=staff,
        time_zone=ZONE,
        start_date=today.replace(day=1) - timedelta(days=1),
        start_time=time(18, 30),
        duration=timedelta(minutes=90),
        format=Event.Format.HYBRID,
        address="Main clinic, 2nd floor group room, 1200 Oak Ave",
        meeting_url="https://meet.example.org/family-night-7hd2",
        # Alumni and their families together; no discussion room (the two
        # sides talk in their own rooms).
        audience=Event.Audience.MIXED,
        frequency=Event.Frequency.MONTHLY,
        monthly_nth=2,
        monthly_weekday=3,
        count=8,
    )
    workshop = actions.create_event(
        author=staff,
        title="Workshop: a relapse-prevention plan for the holidays",
        description="A hands-on workshop. You'll leave with a one-page plan for the season. Snacks provided.",
        host=riley,
        time_zone=ZONE,
        start_date=_on_or_after(today + timedelta(days=9), 5),
        start_time=time(10, 0),
        duration=timedelta(hours=2, minutes=30),
        format=Event.Format.IN_PERSON,
        address="Main clinic, classroom 1, 1200 Oak Ave",
        capacity=6,
        audience=Event.Audience.ALL,
        frequency=Event.Frequency.ONCE,
        create_discussion_room=True,
    )
    cohort = context["cohorts"][2]
    actions.create_event(
        author=staff,
        title=f"{cohort.name} coffee",
        description="An easy hour for the newest graduates. First coffee is on us.",
        host=staff,
        time_zone=ZONE,
        start_date=_on_or_after(today + timedelta(days=2), 6),
        start_time=time(11, 0),
        duration=timedelta(hours=1),
        format=Event.Format.IN_PERSON,
        address="Bean There Café, 88 Elm St",
        audience=Event.Audience.COHORT,
        audience_cohort=cohort,
        frequency=Event.Frequency.BIWEEKLY,
        weekdays=[6],
        count=6,
    )

    now = timezone.now()
    # History: the last two weeks happened, with RSVPs and attendance taken.
    # RSVPs close when a meetup starts, so past answers are written directly.
    for event in (weekly, social):
        for occ in event.occurrences.filter(ends_at__lt=now):
            came = alumni[: 7 if event == weekly else 5]
            RSVP.objects.bulk_create(
                [
                    RSVP(
                        occurrence=occ,
                        member=m,
                        status=RSVP.Status.GOING,
                        responded_at=occ.starts_at - timedelta(days=2),
                        attended=i % 4 != 3,
                        attendance_marked_at=occ.ends_at,
                    )
                    for i, m in enumerate(came)
                ]
            )
            Occurrence.objects.filter(pk=occ.pk).update(going_count=len(came))

    # Ahead: answers through the real action, so counters and waitlists are right.
    def answer(members, occ, status=RSVP.Status.GOING):
        for m in members:
            actions.rsvp(member=m, occurrence=occ, status=status)

    for i, occ in enumerate(weekly.occurrences.filter(starts_at__gt=now).order_by("starts_at")[:4]):
        answer([sam, jordan, *alumni[2 + i : 6 + i]], occ)
    for occ in social.occurrences.filter(starts_at__gt=now).order_by("starts_at")[:2]:
        answer([jordan, *alumni[3:8]], occ)
    next_family = family.occurrences.filter(starts_at__gt=now).order_by("starts_at").first()
    if next_family:
        answer([sam, *alumni[3:6]], next_family)
        answer([jordan], next_family, RSVP.Status.NOT_GOING)
    # The workshop is full: Jordan is second on the waitlist.
    answer([*alumni[2:8], alumni[8], jordan], workshop.occurrences.get())
    # One Saturday is moved for the holiday market, and one Tuesday is off.
    later_social = social.occurrences.filter(starts_at__gt=now).order_by("starts_at")[2:3].first()
    if later_social:
        local = later_social.local_starts_at.replace(tzinfo=None)
        actions.move_occurrence(
            actor=staff,
            occurrence=later_social,
            local_start=local.replace(hour=16),
            local_end=local.replace(hour=18),
        )
    off = weekly.occurrences.filter(starts_at__gt=now).order_by("starts_at")[4:5].first()
    if off:
        actions.cancel_occurrence(
            actor=staff, occurrence=off, reason="Clinic closed for the holiday — see you next week!"
        )
