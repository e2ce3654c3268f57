"""Background work for mentorship, run by `manage.py db_worker`.

Both tasks are periodic (cron or the worker's scheduler calls the management
commands) and safe to overlap or retry: expiry re-checks each proposal under
a row lock, and a check-in prompt is one unique row per mentorship × fortnight.
"""

from django.utils import timezone
from django_tasks import task

from . import actions
from .models import Mentorship

CHECKIN_DAYS = 14


@task()
def expire_stale_requests() -> int:
    """Expire every proposal whose answer window has passed. Returns how many."""
    now = timezone.now()
    stale = Mentorship.objects.filter(status=Mentorship.Status.PROPOSED, expires_at__lte=now)
    return sum(actions.expire_proposal(mentorship=m, now=now) for m in stale.order_by("id"))


@task()
def send_checkin_prompts() -> int:
    """Prompt each active mentorship's mentor once per fortnight since it
    started. Returns how many prompts were sent."""
    now = timezone.now()
    sent = 0
    active = Mentorship.objects.filter(status=Mentorship.Status.ACTIVE, started_at__isnull=False)
    for mentorship in active.select_related("mentor", "mentee", "room").order_by("id"):
        fortnight = (now - mentorship.started_at).days // CHECKIN_DAYS
        if fortnight >= 1:
            sent += actions.send_checkin_prompt(mentorship=mentorship, fortnight=fortnight)
    return sent
