"""Crisis-message detection for the chat: tiers crisis, concern or none ("").

    from groups.detection import classify
    detection = classify(body, extra_phrases=staff_phrases, exclusions=staff_exclusions)
    if detection.tier == CRISIS: ...

Three stages (README.md in this folder explains them, the categories and how
to retrain):

1. `normalize()` undoes spelling tricks (case, accents, curly quotes,
   leetspeak, held-down letters, k*ll, common misspellings, chat shorthand);
2. `rules` match category lexicons (ideation, passive ideation, plan,
   preparation, goodbye, self-harm, overdose risk, hopelessness with intent;
   relapse, craving, hopelessness) and veto matches by context (negation,
   recovery stories in the past, other people, resources and quotes, idioms);
3. a small linear classifier (word and character n-grams) trained on
   corpus/train.tsv catches phrasings no rule lists.

A missed crisis is far worse than a false alarm, so a crisis rule or a
confident classifier is enough for "crisis".
"""

from .corpus import CORPUS_DIR, CORPUS_PATH, CorpusError, Row, read_corpus, read_rows
from .detector import CONCERN, CRISIS, NONE, Detection, classify, get_model
from .model import MODEL_PATH, Model
from .normalize import normalize

__all__ = [
    "CONCERN",
    "CORPUS_DIR",
    "CORPUS_PATH",
    "CRISIS",
    "MODEL_PATH",
    "NONE",
    "CorpusError",
    "Detection",
    "Model",
    "Row",
    "classify",
    "get_model",
    "normalize",
    "read_corpus",
    "read_rows",
]
