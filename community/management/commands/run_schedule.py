from django.core.management.base import BaseCommand

from community.schedule import beat, run_due, run_forever


class Command(BaseCommand):
    help = "Run the periodic jobs (crisis escalation, meetup reminders, mentor request expiry, check-ins) forever."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run what is due once and exit.")
        parser.add_argument("--interval", type=float, default=15.0, help="Seconds between checks.")

    def handle(self, *args, once=False, interval=15.0, **options):
        if once:
            ran = run_due()
            beat()
            self.stdout.write("ran: " + ", ".join(ran))
            return
        run_forever(interval=interval)
