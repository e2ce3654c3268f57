"""Measure the crisis detector on a labelled file: recall, precision and F1
overall and per category, every miss and false alarm, and as the last line
`recall=R precision=P`."""

from django.core.management.base import BaseCommand, CommandError

from groups.detection import CRISIS, CorpusError, classify, read_rows
from groups.detection.evaluation import evaluate, report


class Command(BaseCommand):
    help = "Evaluate the crisis detector on FILE.tsv (label<TAB>category<TAB>text; label 1/0 or crisis/concern/none)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="labelled TSV file")

    def handle(self, *args, **options):
        try:
            rows = read_rows(options["file"])
        except CorpusError as e:
            raise CommandError(str(e)) from e
        overall, by_category = evaluate(rows, lambda text: classify(text).tier == CRISIS)
        for line in report(overall, by_category):
            self.stdout.write(line)
