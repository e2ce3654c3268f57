"""The weekly check-in questionnaire, defined as data.

Each version is a JSON file in `questionnaires/` (`weekly-1.json`, ...). A
program adjusts the check-in by adding a new version and pointing CURRENT at
it; a stored check-in keeps the version it was answered with, so old answers
are always read with the questions that were asked. Nothing here touches the
database.

Question kinds: `choice` (one of `choices`, a list of [value, label]),
`scale` (a whole number from `min` to `max`), `multi` (any of `choices`) and
`text` (up to `max_length` characters). Questions that share a `group`
(the PHQ-2 items, the GAD-2 items) are introduced by the group's sentence
in `groups`, as the instruments word it. `scores` names the sums (PHQ-2 and
GAD-2, each 0-6) and `risk` the thresholds the check-in reacts to.
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError

DIRECTORY = Path(__file__).resolve().parent / "questionnaires"
CURRENT = "weekly-1"
KINDS = ("choice", "scale", "multi", "text")


@dataclass(frozen=True)
class Question:
    key: str
    kind: str
    legend: str
    required: bool
    hint: str = ""
    group: str = ""
    choices: tuple = ()
    min: int = 0
    max: int = 0
    max_length: int = 0

    def label_of(self, value) -> str:
        """The words for a stored answer ("Several days" for 1)."""
        if self.kind == "multi":
            labels = dict(self.choices)
            return ", ".join(labels.get(v, str(v)) for v in value or [])
        if self.kind == "choice":
            return dict(self.choices).get(value, "" if value is None else str(value))
        return "" if value is None else str(value)

    def options(self) -> list[tuple[str, str]]:
        """(value, label) pairs as the form's radio buttons post them."""
        if self.kind == "scale":
            return [(str(n), str(n)) for n in range(self.min, self.max + 1)]
        return [(str(value), label) for value, label in self.choices]

    def parse(self, raw):
        """One posted answer (a string, or a list for `multi`) to its stored
        value; None when blank. Raises ValidationError with a plain message."""
        if self.kind == "multi":
            values = [str(v) for v in (raw or [])]
            allowed = {str(v): v for v, _ in self.choices}
            if any(v not in allowed for v in values):
                raise ValidationError("Choose from the list.")
            return [allowed[v] for v in allowed if v in values]
        text = "" if raw is None else str(raw).strip()
        if text == "":
            if self.required:
                raise ValidationError("Choose one." if self.kind != "text" else "Write something here.")
            return None
        if self.kind == "text":
            text = text.replace("\r\n", "\n")
            if len(text) > self.max_length:
                raise ValidationError(f"Keep this to {self.max_length} characters.")
            return text
        if self.kind == "scale":
            try:
                number = int(text)
            except ValueError:
                raise ValidationError(f"Choose a number from {self.min} to {self.max}.") from None
            if not self.min <= number <= self.max:
                raise ValidationError(f"Choose a number from {self.min} to {self.max}.")
            return number
        allowed = {str(v): v for v, _ in self.choices}
        if text not in allowed:
            raise ValidationError("Choose one of the options.")
        return allowed[text]


@dataclass(frozen=True)
class Definition:
    version: str
    title: str
    intro: str
    questions: tuple[Question, ...]
    scores: dict
    risk: dict
    groups: dict

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions if q.key == key), None)

    def clean(self, data) -> dict:
        """Posted answers (a QueryDict or a plain dict) to the stored answers.
        Raises ValidationError({key: message}) naming every bad answer;
        unknown keys are ignored (the form posts a CSRF token too)."""
        answers, errors = {}, {}
        for q in self.questions:
            if q.kind == "multi":
                raw = data.getlist(q.key) if hasattr(data, "getlist") else data.get(q.key, [])
                if isinstance(raw, str):
                    raw = [raw]
            else:
                raw = data.get(q.key)
                if isinstance(raw, list | tuple):
                    errors[q.key] = "Choose one."
                    continue
            try:
                value = q.parse(raw)
            except ValidationError as exc:
                errors[q.key] = exc.messages[0]
                continue
            if value is not None and value != []:
                answers[q.key] = value
        if errors:
            raise ValidationError(errors)
        return answers

    def score(self, answers: dict, name: str) -> int | None:
        """A sum score (phq2, gad2), or None if any of its items is missing."""
        keys = self.scores.get(name, [])
        values = [answers.get(k) for k in keys]
        if not keys or any(not isinstance(v, int) for v in values):
            return None
        return sum(values)


def _load(path: Path) -> Definition:
    raw = json.loads(path.read_text(encoding="utf-8"))
    questions = []
    for q in raw["questions"]:
        if q["kind"] not in KINDS:
            raise ValueError(f"{path.name}: unknown question kind {q['kind']!r}")
        questions.append(
            Question(
                key=q["key"],
                kind=q["kind"],
                legend=q["legend"],
                required=bool(q.get("required")),
                hint=q.get("hint", ""),
                group=q.get("group", ""),
                choices=tuple(tuple(c) for c in q.get("choices", [])),
                min=q.get("min", 0),
                max=q.get("max", 0),
                max_length=q.get("max_length", 0),
            )
        )
    keys = [q.key for q in questions]
    if len(keys) != len(set(keys)):
        raise ValueError(f"{path.name}: a question key is used twice")
    return Definition(
        version=raw["version"],
        title=raw["title"],
        intro=raw.get("intro", ""),
        questions=tuple(questions),
        scores=raw.get("scores", {}),
        risk=raw.get("risk", {}),
        groups=raw.get("groups", {}),
    )


@cache
def definitions() -> dict[str, Definition]:
    loaded = {}
    for path in sorted(DIRECTORY.glob("*.json")):
        definition = _load(path)
        loaded[definition.version] = definition
    return loaded


def get(version: str = CURRENT) -> Definition:
    """A definition by version (KeyError for an unknown one)."""
    return definitions()[version]


def current() -> Definition:
    return get(CURRENT)
