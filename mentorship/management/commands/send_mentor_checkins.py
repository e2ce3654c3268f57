from django.core.management.base import BaseCommand

from mentorship.tasks import send_checkin_prompts


class Command(BaseCommand):
    help = "Prompt mentors to check in, once every two weeks per mentorship. Run daily."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true", help="Queue the task for the worker instead of running it here."
        )

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            send_checkin_prompts.enqueue()
            self.stdout.write("Queued send_checkin_prompts.")
            return
        sent = send_checkin_prompts.call()
        self.stdout.write(f"Sent {sent} check-in prompt(s).")
