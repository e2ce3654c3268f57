from django.core.management.base import BaseCommand

from events.tasks import send_due_reminders


class Command(BaseCommand):
    help = "Send the meetup reminders that are due (24 hours and 1 hour before). Run every 5 minutes."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the task for the worker instead of running it here.",
        )

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            send_due_reminders.enqueue()
            self.stdout.write("Queued send_due_reminders.")
            return
        sent = send_due_reminders.call()
        self.stdout.write(f"Sent {sent} reminder(s).")
