"""The classifier at run time: features, and a linear model read from JSON.

Training (training.py) fits scikit-learn's TfidfVectorizer and
LogisticRegression on `features()`; this module only needs what they learnt:
each feature's idf and its weight per class. With those, one message costs a
dictionary lookup per feature and a softmax, in plain Python, with nothing
unpickled and nothing downloaded.

The file is JSON, one feature per line, so a retrain shows up in review as a
readable diff rather than an opaque blob.
"""

import itertools
import json
import math
import re
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


@dataclass
class Model:
    classes: tuple[str, ...]
    # feature -> (idf, weight for each class in `classes` order)
    weights: dict[str, tuple[float, tuple[float, ...]]]
    intercept: tuple[float, ...]
    meta: dict

    def probabilities(self, normalized: str) -> dict[str, float]:
        """Class probabilities for normalised text (sublinear tf-idf, l2 norm, softmax)."""
        counts: dict[str, int] = {}
        for f in features(normalized):
            if f in self.weights:
                counts[f] = counts.get(f, 0) + 1
        k = len(self.classes)
        scores = [0.0] * k
        norm = 0.0
        for f, count in counts.items():
            idf, w = self.weights[f]
            value = (1.0 + math.log(count)) * idf
            norm += value * value
            for j in range(k):
                scores[j] += value * w[j]
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
