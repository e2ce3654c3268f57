"""Reminders 24 hours and 1 hour before, through the real task code."""

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from community.models import Notification
from events import actions
from events.models import Occurrence, SentReminder
from events.tasks import send_due_reminders

from .conftest import make_event


@pytest.fixture
def soon(staff, alumnus, alumnus2, outsider):
    """A meetup next week with Alice and Bob going and Charlie not going."""
    occ = make_event(staff).occurrences.get()
    actions.rsvp(member=alumnus, occurrence=occ, status="going")
    actions.rsvp(member=alumnus2, occurrence=occ, status="going")
    actions.rsvp(member=outsider, occurrence=occ, status="not_going")
    return occ


def _starts_in(occ, delta):
    start = timezone.now() + delta
    Occurrence.objects.filter(pk=occ.pk).update(starts_at=start, ends_at=start + timedelta(hours=1))


def _reminders():
    return sorted(Notification.objects.filter(kind="reminder").values_list("recipient__display_name", "text"))


def test_nothing_is_due_a_week_ahead(soon):
    assert send_due_reminders.enqueue().return_value == 0
    assert _reminders() == []


def test_day_reminder_goes_to_members_who_are_going_once(soon):
    _starts_in(soon, timedelta(hours=23, minutes=50))

    first = send_due_reminders.enqueue().return_value
    second = send_due_reminders.enqueue().return_value

    assert (first, second) == (2, 0)
    assert [name for name, _ in _reminders()] == ["Alice", "Bob"]
    assert _reminders()[0][1].startswith("Reminder: “Weekly alumni group” starts tomorrow")
    assert SentReminder.objects.filter(kind="24h").count() == 2


def test_hour_reminder_follows_the_day_reminder(soon):
    _starts_in(soon, timedelta(hours=23))
    send_due_reminders.enqueue()
    _starts_in(soon, timedelta(minutes=55))

    sent = send_due_reminders.enqueue().return_value

    assert sent == 2
    assert sorted(SentReminder.objects.values_list("member__display_name", "kind")) == [
        ("Alice", "1h"),
        ("Alice", "24h"),
        ("Bob", "1h"),
        ("Bob", "24h"),
    ]
    assert Notification.objects.filter(kind="reminder", text__contains="starts in 1 hour").count() == 2


def test_a_late_rsvp_gets_only_the_hour_reminder(soon):
    _starts_in(soon, timedelta(minutes=30))

    send_due_reminders.enqueue()

    assert set(SentReminder.objects.values_list("kind", flat=True)) == {"1h"}


def test_no_reminders_for_cancelled_or_started_meetups(staff, soon):
    _starts_in(soon, timedelta(minutes=30))
    actions.cancel_occurrence(actor=staff, occurrence=soon)
    other = make_event(staff, title="Started").occurrences.get()
    _starts_in(other, -timedelta(minutes=5))

    assert send_due_reminders.enqueue().return_value == 0


def test_waitlisted_members_get_no_reminder(staff, alumnus, alumnus2):
    occ = make_event(staff, capacity=1).occurrences.get()
    actions.rsvp(member=alumnus, occurrence=occ, status="going")
    actions.rsvp(member=alumnus2, occurrence=occ, status="going")
    _starts_in(occ, timedelta(minutes=50))

    send_due_reminders.enqueue()

    assert [name for name, _ in _reminders()] == ["Alice"]


def test_reminder_email_follows_the_member_preference(settings, django_capture_on_commit_callbacks, soon, alumnus):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    alumnus.email_notification_kinds = ["reminder"]
    alumnus.save(update_fields=["email_notification_kinds"])
    _starts_in(soon, timedelta(minutes=50))

    with django_capture_on_commit_callbacks(execute=True):
        send_due_reminders.enqueue()

    assert [m.to for m in mail.outbox] == [["alice@example.org"]]


def test_reminder_text_uses_the_members_time_zone(soon, alumnus):
    alumnus.time_zone = "Europe/Berlin"
    alumnus.save(update_fields=["time_zone"])
    start = datetime(2099, 1, 5, 19, 0, tzinfo=timezone.get_current_timezone())
    Occurrence.objects.filter(pk=soon.pk).update(starts_at=start, ends_at=start + timedelta(hours=1))
    soon.refresh_from_db()

    actions.send_reminder(occurrence=soon, member=alumnus, kind="1h")

    assert Notification.objects.get(recipient=alumnus).text.endswith("Tue, Jan 6 at 2:00 AM CET")


def test_send_reminders_command_runs_the_task(soon):
    _starts_in(soon, timedelta(minutes=50))

    call_command("send_reminders")

    assert SentReminder.objects.count() == 2


def test_extend_meetups_command_fills_the_horizon(staff):
    start = timezone.localdate() + timedelta(days=1)
    event = make_event(staff, start_date=start, frequency="weekly", weekdays=[start.weekday()], count=60)
    event.occurrences.filter(series_date__gt=start + timedelta(days=30)).delete()
    type(event).objects.filter(pk=event.pk).update(materialised_until=start + timedelta(days=30))
    before = event.occurrences.count()

    call_command("extend_meetups")

    assert before == 5
    assert event.occurrences.count() > 20
