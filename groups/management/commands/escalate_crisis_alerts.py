"""Escalate crisis alerts nobody acknowledged in time. Run every minute
(cron or a scheduler) as a safety net beside the deferred per-alert task."""

from django.core.management.base import BaseCommand

from groups.tasks import escalate_crisis_alerts


class Command(BaseCommand):
    help = "Escalate unacknowledged crisis alerts past CRISIS_ESCALATE_MINUTES to every moderator and staff."

    def handle(self, *args, **options):
        count = escalate_crisis_alerts.call()
        self.stdout.write(f"Escalated {count} alert(s).")
