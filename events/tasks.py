"""Background work for meetups, run by `manage.py db_worker`.

`send_due_reminders` is periodic: cron or the worker's scheduler calls
`manage.py send_reminders` every few minutes. It is idempotent — a reminder
is one unique row per occurrence × member × kind — so overlapping runs and
retries never send twice.
"""

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from . import actions
from .models import RSVP, Occurrence, SentReminder

# (kind, how long before the start it is due). The day reminder is skipped
# when the hour reminder is already due: one message is enough.
REMINDERS = [
    (SentReminder.Kind.DAY, timedelta(hours=24)),
    (SentReminder.Kind.HOUR, timedelta(hours=1)),
]


@task()
def send_due_reminders() -> int:
    """Send every reminder that is due now. Returns how many were sent."""
    now = timezone.now()
    sent = 0
    for kind, before in REMINDERS:
        lower = now + timedelta(hours=1) if kind == SentReminder.Kind.DAY else now
        occurrences = Occurrence.objects.filter(
            starts_at__gt=lower,
            starts_at__lte=now + before,
            cancelled_at__isnull=True,
            event__cancelled_at__isnull=True,
        ).select_related("event")
        for occ in occurrences:
            done = SentReminder.objects.filter(occurrence=occ, kind=kind).values("member_id")
            rsvps = (
                occ.rsvps.filter(
                    status=RSVP.Status.GOING,
                    member__is_active=True,
                    member__suspended_at__isnull=True,
                )
                .exclude(member_id__in=done)
                .select_related("member")
            )
            for rsvp in rsvps:
                sent += actions.send_reminder(occurrence=occ, member=rsvp.member, kind=kind)
    return sent


@task()
def extend_occurrences() -> int:
    """Keep six months of occurrence rows ahead of every series (daily)."""
    return actions.extend_horizon()
