"""Escalate crisis alerts nobody acknowledged in time. Run every minute
by hand or from cron where `run_schedule` is not running."""

from django.core.management.base import BaseCommand

from groups.tasks import escalate_crisis_alerts


class Command(BaseCommand):
    help = "Escalate unacknowledged crisis alerts past CRISIS_ESCALATE_MINUTES to every moderator and staff."

    def handle(self, *args, **options):
        count = escalate_crisis_alerts.call()
        self.stdout.write(f"Escalated {count} alert(s).")
