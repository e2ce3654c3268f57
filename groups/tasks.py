"""Background work for rooms: crisis alert escalation."""

from django.utils import timezone
from django_tasks import task

from .actions import escalate_if_unacknowledged
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
