from django.core.management.base import BaseCommand

from events.tasks import extend_occurrences


class Command(BaseCommand):
    help = "Create meetup occurrences up to six months ahead for every repeating series. Run daily."

    def handle(self, *args, **options):
        created = extend_occurrences.call()
        self.stdout.write(f"Created {created} occurrence(s).")
