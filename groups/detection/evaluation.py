"""Crisis recall and precision over labelled rows, overall and per category.

A row counts as positive when labelled crisis; concern counts as not crisis,
and a detection counts when its tier is crisis.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .corpus import Row


@dataclass
class Scores:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    misses: list[Row] = field(default_factory=list)
    false_alarms: list[Row] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def f1(self) -> float:
        r, p = self.recall, self.precision
        return 2 * r * p / (r + p) if r + p else 0.0

    def add(self, row: Row, truth: bool, flagged: bool) -> None:
        if truth and flagged:
            self.tp += 1
        elif truth:
            self.fn += 1
            self.misses.append(row)
        elif flagged:
            self.fp += 1
            self.false_alarms.append(row)
        else:
            self.tn += 1


def score(pairs: Iterable[tuple[Row, bool, bool]]) -> Scores:
    """Scores from (row, is a crisis, flagged as a crisis) triples."""
    s = Scores()
    for row, truth, flagged in pairs:
        s.add(row, truth, flagged)
    return s


def evaluate(rows: Iterable[Row], is_crisis: Callable[[str], bool]) -> tuple[Scores, dict[str, Scores]]:
    """Overall and per-category scores of a detector over labelled rows."""
    overall = Scores()
    by_category: dict[str, Scores] = {}
    for row in rows:
        truth = row.label == "crisis"
        flagged = is_crisis(row.text)
        overall.add(row, truth, flagged)
        by_category.setdefault(row.category, Scores()).add(row, truth, flagged)
    return overall, by_category


def report(overall: Scores, by_category: dict[str, Scores]) -> list[str]:
    """Printable lines; the last is exactly `recall=R precision=P`."""
    lines = [
        f"messages={overall.tp + overall.fp + overall.fn + overall.tn} crises={overall.tp + overall.fn} "
        f"flagged={overall.tp + overall.fp}",
        f"overall: recall {overall.recall:.3f}  precision {overall.precision:.3f}  F1 {overall.f1:.3f}",
        "",
        f"{'category':<24} {'n':>5} {'crisis':>6} {'caught':>6} {'missed':>6} {'f.alarm':>7} "
        f"{'recall':>6} {'prec.':>6} {'F1':>6}",
    ]
    for name, s in sorted(by_category.items()):
        n = s.tp + s.fp + s.fn + s.tn
        recall = f"{s.recall:.3f}" if s.tp + s.fn else "-"
        precision = f"{s.precision:.3f}" if s.tp + s.fp else "-"
        f1 = f"{s.f1:.3f}" if s.tp + s.fn and s.tp + s.fp else "-"
        lines.append(
            f"{name:<24} {n:>5} {s.tp + s.fn:>6} {s.tp:>6} {s.fn:>6} {s.fp:>7} {recall:>6} {precision:>6} {f1:>6}"
        )
    lines += ["", f"misses ({len(overall.misses)}):"]
    lines += [f"  [{r.category}] {r.text}" for r in overall.misses]
    lines += ["", f"false alarms ({len(overall.false_alarms)}):"]
    lines += [f"  [{r.category}] {r.text}" for r in overall.false_alarms]
    lines.append(f"recall={overall.recall:.3f} precision={overall.precision:.3f}")
    return lines
