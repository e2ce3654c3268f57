"""seed_demo's meetups: a realistic month with history, RSVPs and a waitlist."""

from django.utils import timezone

from events.models import RSVP, Event, Occurrence


def test_demo_seed_adds_a_month_of_meetups(db):
    from alumni.management.commands.seed_demo import Command
    from events import demo
    from groups import demo as groups_demo

    context = Command().seed_members()
    groups_demo.seed(context)

    demo.seed(context)

    now = timezone.now()
    titles = set(Event.objects.values_list("title", flat=True))
    assert {"Weekly alumni group", "Saturday sober social", "Family night"} <= titles
    weekly = Event.objects.get(title="Weekly alumni group")
    assert {o.local_starts_at.strftime("%a %H:%M") for o in weekly.occurrences.all()} == {"Tue 19:00"}
    family = Event.objects.get(title="Family night")
    assert {(o.series_date.weekday(), (o.series_date.day - 1) // 7) for o in family.occurrences.all()} == {(3, 1)}
    month = Occurrence.objects.filter(starts_at__gt=now, starts_at__lt=now + timezone.timedelta(days=31))
    assert month.count() >= 10
    assert RSVP.objects.filter(status="waitlisted", member=context["jordan"]).exists()
    assert RSVP.objects.filter(attended=True).exists()
    assert RSVP.objects.filter(member=context["sam"], status="going", occurrence__starts_at__gt=now).exists()
    assert Occurrence.objects.filter(cancelled_at__isnull=False).count() == 1
    assert Occurrence.objects.filter(is_moved=True).count() == 1
    for occ in Occurrence.objects.select_related("event"):
        assert occ.going_count == occ.rsvps.filter(status="going").count()
        assert occ.event.capacity is None or occ.going_count <= occ.event.capacity
