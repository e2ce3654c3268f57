"""Background work for rooms: crisis alert escalation."""

from django.utils import timezone
from django_tasks import task


@task()
def escalate_crisis_alert(alert_id: int) -> bool:
    from .actions import escalate_if_unacknowledged

    return escalate_if_unacknowledged(alert_id=alert_id)


@task()
def escalate_crisis_alerts() -> int:
    """Every open, unescalated alert past its deadline (run by the worker's
    schedule or `manage.py escalate_crisis_alerts` every minute)."""
    from .actions import escalate_if_unacknowledged
    from .models import CrisisAlert

    ids = CrisisAlert.objects.filter(status=CrisisAlert.Status.OPEN, escalated_at__isnull=True).values_list(
        "pk", flat=True
    )
    now = timezone.now()
    return sum(escalate_if_unacknowledged(alert_id=pk, now=now) for pk in list(ids))
