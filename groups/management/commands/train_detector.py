"""Retrain the crisis detector's classifier from every file in
groups/detection/corpus/ (plus any --extra files in the same format, and with
--with-labels the moderators' labels on crisis alerts), print cross-validated figures and
write the model file that ships in the repository."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from groups.detection import MODEL_PATH, CorpusError, Row, read_corpus, read_rows
from groups.detection.training import cross_validate, train
from groups.models import CrisisAlert


class Command(BaseCommand):
    help = "Retrain the crisis detector from the labelled corpus and write its model file."

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(MODEL_PATH), help=f"model file to write (default {MODEL_PATH})")
        parser.add_argument(
            "--extra",
            action="append",
            default=[],
            metavar="FILE.tsv",
            help="more labelled rows (label<TAB>category<TAB>text); may be given more than once",
        )
        parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (0 to skip)")
        parser.add_argument(
            "--with-labels",
            action="store_true",
            help="also learn from the moderators' labels on crisis alerts (real crisis / concern / false alarm)",
        )

    def handle(self, *args, **options):
        try:
            rows = read_corpus()
            for extra in options["extra"]:
                rows += read_rows(extra, binary_labels=False)
        except CorpusError as e:
            raise CommandError(str(e)) from e
        if options["with_labels"]:
            labelled = community_rows()
            self.stdout.write(f"{len(labelled)} rows from moderators' labels")
            rows += labelled
        counts = {label: sum(r.label == label for r in rows) for label in ("crisis", "concern", "none")}
        self.stdout.write(f"{len(rows)} rows: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        if options["folds"] >= 2:
            figures = cross_validate(rows, folds=options["folds"])
            for name, s in figures.items():
                self.stdout.write(
                    f"cross-validated {name:<10} crisis recall {s.recall:.3f}  precision {s.precision:.3f}  "
                    f"F1 {s.f1:.3f}  (missed {s.fn}, false alarms {s.fp})"
                )
        model = train(rows)
        out = Path(options["out"])
        model.save(out)
        self.stdout.write(f"wrote {out} ({len(model.weights)} features)")


LABEL_TIERS = {
    CrisisAlert.Label.CRISIS: "crisis",
    CrisisAlert.Label.CONCERN: "concern",
    CrisisAlert.Label.FALSE_ALARM: "none",
}


def community_rows() -> list[Row]:
    """The texts moderators judged on this site's crisis alerts, with their judgement."""
    alerts = CrisisAlert.objects.exclude(label="").exclude(labelled_text="").values_list("label", "labelled_text")
    return [Row(LABEL_TIERS[label], "moderator_label", text) for label, text in alerts]
