"""Exit 1 when the periodic-job scheduler has not beaten for two minutes (the
worker container's health check), so a stopped escalation loop is noticed."""

from django.core.management.base import BaseCommand, CommandError

from community.schedule import STALE_AFTER, heartbeat_age


class Command(BaseCommand):
    help = "Fail when the scheduler's heartbeat is missing or older than two minutes."

    def handle(self, *args, **options):
        age = heartbeat_age()
        if age is None or age > STALE_AFTER:
            raise CommandError(f"scheduler heartbeat is {'missing' if age is None else f'{age} old'}")
        self.stdout.write(f"scheduler alive ({int(age.total_seconds())} s ago)")
