"""Staff-managed word lists, read on every message, so cached.

The cache holds the lists of watched words and extra crisis phrases, and each
process keeps what it read for LOCAL_SECONDS (two cache round trips fewer per
message). Staff edits delete the cache key and this process's copy: the
process that took the edit applies it at once, the others within
LOCAL_SECONDS."""

import re
import time

from django.core.cache import cache

from . import detection
from .models import CrisisPhrase, WatchedWord

WATCHED_KEY = "moderation:watched-words:v1"
PHRASES_KEY = "moderation:crisis-phrases:v1"


def _phrase_pattern(phrase: str) -> re.Pattern:
    parts = [re.escape(p).replace(r"\*", r"\w*") for p in phrase.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)", re.IGNORECASE)


LOCAL_SECONDS = 5.0
_local: dict[str, tuple[float, list]] = {}


def _cached(key: str, load) -> list:
    now = time.monotonic()
    held = _local.get(key)
    if held is not None and now < held[0]:
        return held[1]
    rows = cache.get(key)
    if rows is None:
        rows = load()
        cache.set(key, rows, 300)
    _local[key] = (now + LOCAL_SECONDS, rows)
    return rows


def watched_words() -> list[tuple[str, str]]:
    return _cached(WATCHED_KEY, lambda: list(WatchedWord.objects.values_list("word", "action")))


def crisis_phrases() -> list[tuple[str, str]]:
    return _cached(PHRASES_KEY, lambda: list(CrisisPhrase.objects.values_list("phrase", "level")))


def forget_lists() -> None:
    _local.clear()
    cache.delete_many([WATCHED_KEY, PHRASES_KEY])


def watched_matches(text: str) -> dict[str, list[str]]:
    """{'block': [...], 'hold': [...], 'flag': [...]} of the words found."""
    found: dict[str, list[str]] = {}
    for word, action in watched_words():
        if _phrase_pattern(word).search(text):
            found.setdefault(action, []).append(word)
    return found


def detect(text: str) -> detection.Detection:
    """The message's tier and what raised it: the built-in detector
    (groups.detection) with the staff's own crisis and concern phrases added
    and their exclusions (known false alarms) taken out."""
    phrases, exclusions = [], []
    for phrase, level in crisis_phrases():
        if level == CrisisPhrase.Level.EXCLUDE:
            exclusions.append(phrase)
        else:
            phrases.append((phrase, level))
    return detection.classify(text, extra_phrases=phrases, exclusions=exclusions)


def classify(text: str) -> str:
    """The message's tier: "", "concern" or "crisis"."""
    return detect(text).tier


# What the crisis console says raised an alert, per detector category.
REASONS = {
    "ideation": "suicidal thoughts",
    "passive_ideation": "not wanting to be alive",
    "plan": "a plan or the means",
    "preparation": "preparations (a note, giving things away)",
    "goodbye": "a goodbye",
    "self_harm": "self-harm",
    "overdose_risk": "overdose danger",
    "hopeless_intent": "hopelessness with intent",
    "relapse": "a relapse",
    "craving": "cravings",
    "hopelessness": "hopelessness",
    "staff_phrase": "a phrase staff listed",
}


def explain(text: str) -> str:
    """Why the detector flags this text, in a moderator's words: the kinds
    of wording it found, or that only the classifier judged it (no listed
    wording). Neutral on purpose: many real crises use no listed phrase
    ("everyone would be better off if I wasn't here"), so the console never
    suggests an alert matters less; the label a moderator gives teaches the
    next model."""
    found = detect(text)
    if not found:
        return ""
    kinds = list(dict.fromkeys(REASONS[c] for c in found.categories if c in REASONS))
    if kinds:
        return "Wording about " + ", ".join(kinds) + "."
    return "The classifier, from the message as a whole (no listed crisis phrase)."
