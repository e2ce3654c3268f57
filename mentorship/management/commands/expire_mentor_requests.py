from django.core.management.base import BaseCommand

from mentorship.tasks import expire_stale_requests


class Command(BaseCommand):
    help = "Expire mentor asks nobody answered in time and offer each mentee their next suggestion. Run hourly."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true", help="Queue the task for the worker instead of running it here."
        )

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            expire_stale_requests.enqueue()
            self.stdout.write("Queued expire_stale_requests.")
            return
        expired = expire_stale_requests.call()
        self.stdout.write(f"Expired {expired} mentor ask(s).")
