"""Background work for rooms: crisis alert escalation, and forgetting old
message requests."""

from django.utils import timezone
from django_tasks import task

from .actions import escalate_if_unacknowledged, forget_expired_direct_requests
from .models import CrisisAlert


@task()
def escalate_crisis_alerts() -> int:
    """Every open, unescalated alert past its deadline. The one escalation
    mechanism: the periodic scheduler (community.schedule) runs it every
    minute; `manage.py escalate_crisis_alerts` runs it by hand."""
    ids = CrisisAlert.objects.filter(status=CrisisAlert.Status.OPEN, escalated_at__isnull=True).values_list(
        "pk", flat=True
    )
    now = timezone.now()
    return sum(escalate_if_unacknowledged(alert_id=pk, now=now) for pk in list(ids))


@task()
def forget_old_direct_requests() -> int:
    """Message requests past the 30-day cool-down (daily, community.schedule)."""
    return forget_expired_direct_requests()
