"""Reading labelled TSV files: `label<TAB>category<TAB>text`, one message a line.

Labels are crisis, concern or none; evaluation files may also use 1 (crisis)
and 0 (not a crisis). Blank lines and lines starting with # are skipped, and so
is a first line that is a header ("label<TAB>category<TAB>text").
"""

from dataclasses import dataclass
from pathlib import Path

CORPUS_PATH = Path(__file__).resolve().parent / "corpus" / "train.tsv"
# Every labelled file in corpus/ trains the model: train.tsv (written with the
# rules in view) and train_extra.tsv (written apart from them, by an author who
# never saw the rules or the evaluation sets).
CORPUS_DIR = CORPUS_PATH.parent
LABELS = {"crisis": "crisis", "concern": "concern", "none": "none", "1": "crisis", "0": "none"}


class CorpusError(ValueError):
    """A line that is not `label<TAB>category<TAB>text`; the message names the file and line."""


@dataclass(frozen=True)
class Row:
    label: str  # crisis, concern or none
    category: str
    text: str


def read_rows(path: Path | str, *, binary_labels: bool = True) -> list[Row]:
    """Rows of a labelled file; CorpusError (with the line number) on the first bad line."""
    rows = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise CorpusError(f"{path}: cannot read: {e}") from e
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t", 2)
        if number == 1 and parts[0].strip().lower() == "label":
            continue
        if len(parts) != 3:
            raise CorpusError(f"{path}:{number}: expected label<TAB>category<TAB>text, got {len(parts)} field(s)")
        label, category, text = (p.strip() for p in parts)
        allowed = LABELS if binary_labels else {k: v for k, v in LABELS.items() if not k.isdigit()}
        if label.lower() not in allowed:
            raise CorpusError(f"{path}:{number}: unknown label {label!r} (use {', '.join(allowed)})")
        if not text:
            raise CorpusError(f"{path}:{number}: empty text")
        rows.append(Row(allowed[label.lower()], category or "-", text))
    if not rows:
        raise CorpusError(f"{path}: no labelled lines")
    return rows


def read_corpus() -> list[Row]:
    """Every row of every labelled file in corpus/, in file-name order."""
    rows = []
    for path in sorted(CORPUS_DIR.glob("*.tsv")):
        rows += read_rows(path, binary_labels=False)
    return rows
