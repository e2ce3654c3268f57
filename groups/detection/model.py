"""The classifier at run time: features, and a linear model read from JSON.

Training (training.py) fits scikit-learn's TfidfVectorizer and
LogisticRegression on `features()`; this module only needs what they learnt:
each feature's idf and its weight per class. With those, one message costs a
dictionary lookup per feature and a softmax, in plain Python, with nothing
unpickled and nothing downloaded.

The file is JSON, one feature per line, so a retrain shows up in review as a
readable diff rather than an opaque blob.
"""

import functools
import itertools
import json
import math
import operator
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

MODEL_PATH = Path(__file__).resolve().parent / "model" / "detector.json"
FORMAT = 1

_WORD = re.compile(r"[a-z0-9']+")


def features(normalized: str) -> list[str]:
    """Word 1-3 grams, character 2-5 grams inside each word and character
    6-grams across a word boundary ("s it t" of "this is it tonight") of
    normalised text."""
    words = _WORD.findall(normalized)
    out = ["w:" + w for w in words]
    out += ["b:" + a + " " + b for a, b in itertools.pairwise(words)]
    out += ["t:" + " ".join(words[i : i + 3]) for i in range(len(words) - 2)]
    line = " " + " ".join(words) + " "
    out += ["x:" + line[i : i + 6] for i in range(len(line) - 5) if " " in line[i + 1 : i + 5]]
    for word in words:
        padded = f" {word} "
        n = len(padded)
        for size in range(2, 6):
            out += ["c:" + padded[i : i + size] for i in range(n - size + 1)]
    return out


def _add_up(column: tuple[float, ...]) -> float:
    """((0.0 + column[0]) + column[1]) + ...: the floats added one by one, in order."""
    return functools.reduce(operator.add, column, 0.0)


if sys.version_info < (3, 12):
    # Up to 3.11, sum() of floats is exactly that loop, in C (3.12 made it
    # compensate rounding errors, which would change the results).
    _add_up = functools.partial(sum, start=0.0)

# Entries kept in a model's per-word cache before it is emptied and refilled.
_WORD_CACHE_SIZE = 10_000
# Longest word whose features are cached (longer ones are computed each time).
_CACHED_WORD_MAX = 40
# Entries kept in a model's cache of per-feature products before it is emptied.
_ROW_CACHE_SIZE = 50_000


@dataclass
class Model:
    classes: tuple[str, ...]
    # feature -> (idf, weight for each class in `classes` order)
    weights: dict[str, tuple[float, tuple[float, ...]]]
    intercept: tuple[float, ...]
    meta: dict

    def _caches(self) -> tuple[dict, dict]:
        """This model's per-word features and per-feature products (see
        `probabilities`), emptied when the weights are replaced or the word
        cache grows past _WORD_CACHE_SIZE."""
        held = self.__dict__.get("_held")
        if held is None or held[0] is not self.weights or len(held[1]) > _WORD_CACHE_SIZE:
            held = (self.weights, {}, {} if held is None or held[0] is not self.weights else held[2])
            self.__dict__["_held"] = held
        return held[1], held[2]

    def _known_features(self, normalized: str) -> list[str]:
        """`features(normalized)` less the features the model does not know, in
        the same order (what `probabilities` counts, built without the strings
        it would throw away: each word's own features come from a cache)."""
        weights = self.weights
        per_word = self._caches()[0]
        words = _WORD.findall(normalized)
        own = []
        for word in words:
            known = per_word.get(word)
            if known is None:
                known = self._word_features(word)
                # Only words of a real length are kept: a member typing one
                # unique 4,000-letter "word" after another must not fill the
                # cache with thousands of grams each (outside review).
                if len(word) <= _CACHED_WORD_MAX:
                    per_word[word] = known
            own.append(known)
        out = [known[0] for known in own if known[0] is not None]
        out += [f for a, b in itertools.pairwise(words) if (f := "b:" + a + " " + b) in weights]
        out += [f for i in range(len(words) - 2) if (f := "t:" + " ".join(words[i : i + 3])) in weights]
        line = " " + " ".join(words) + " "
        out += [
            f for i in range(len(line) - 5) if " " in line[i + 1 : i + 5] and (f := "x:" + line[i : i + 6]) in weights
        ]
        for known in own:
            out += known[1]
        return out

    def _word_features(self, word: str) -> tuple[str | None, tuple[str, ...]]:
        """A word's "w:" feature (None if unknown) and its known character
        n-grams in `features()` order."""
        weights = self.weights
        padded = f" {word} "
        n = len(padded)
        grams = [
            f for size in range(2, 6) for i in range(n - size + 1) if (f := "c:" + padded[i : i + size]) in weights
        ]
        whole = "w:" + word
        return (whole if whole in weights else None), tuple(grams)

    def _row(self, feature: str, count: int) -> tuple[float, ...]:
        """value * value, then value * weight for each class, for a feature
        seen `count` times: the products `probabilities` adds up."""
        idf, w = self.weights[feature]
        value = (1.0 + math.log(count)) * idf
        return (value * value, *(value * x for x in w))

    def probabilities(self, normalized: str) -> dict[str, float]:
        """Class probabilities for normalised text (sublinear tf-idf, l2 norm, softmax).

        For each known feature, in order of first appearance, value = (1 +
        log(count)) * idf; norm adds up value * value and each class's score
        value * weight, one feature after another from 0.0 (see _add_up).
        The products for a (feature, count) pair are computed once per model
        and kept."""
        counts = Counter(self._known_features(normalized))
        k = len(self.classes)
        if not counts:
            norm, scores = 0.0, [0.0] * k
        else:
            rows = self._caches()[1]
            try:
                found = list(map(rows.__getitem__, counts.items()))
            except KeyError:
                if len(rows) > _ROW_CACHE_SIZE:
                    rows.clear()
                found = []
                for key in counts.items():
                    row = rows.get(key)
                    if row is None:
                        row = rows[key] = self._row(*key)
                    found.append(row)
            columns = list(zip(*found, strict=True))
            if len(columns) != k + 1:
                raise ValueError("a feature's weights do not match the model's classes")
            norm, *scores = map(_add_up, columns)
        scale = 1.0 / math.sqrt(norm) if norm else 0.0
        logits = [s * scale + b for s, b in zip(scores, self.intercept, strict=True)]
        top = max(logits)
        exps = [math.exp(x - top) for x in logits]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}

    def save(self, path: Path | str) -> None:
        lines = [f"{json.dumps(f)}: {json.dumps([idf, *w])}" for f, (idf, w) in sorted(self.weights.items())]
        head = {"format": FORMAT, "classes": list(self.classes), "intercept": list(self.intercept), "meta": self.meta}
        body = json.dumps(head, indent=1)[:-2] + ',\n "features": {\n' + ",\n".join(lines) + "\n }\n}\n"
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(body, encoding="utf-8")

    @classmethod
    def load(cls, path: Path | str = MODEL_PATH) -> "Model":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"{path}: unknown detector model format {data.get('format')!r}")
        weights = {f: (row[0], tuple(row[1:])) for f, row in data["features"].items()}
        return cls(tuple(data["classes"]), weights, tuple(data["intercept"]), data.get("meta", {}))
