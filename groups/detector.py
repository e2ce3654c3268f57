"""Staff-managed word lists, read on every message, so cached.

The cache holds the lists of watched words and extra crisis phrases; staff
edits delete the cache key, so every process sees a change at once (with
Redis) or within the process (embedded mode, one process)."""

import re

from django.core.cache import cache

from . import detection
from .models import CrisisPhrase, WatchedWord

WATCHED_KEY = "moderation:watched-words:v1"
PHRASES_KEY = "moderation:crisis-phrases:v1"


def _phrase_pattern(phrase: str) -> re.Pattern:
    parts = [re.escape(p).replace(r"\*", r"\w*") for p in phrase.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)", re.IGNORECASE)


def watched_words() -> list[tuple[str, str]]:
    rows = cache.get(WATCHED_KEY)
    if rows is None:
        rows = list(WatchedWord.objects.values_list("word", "action"))
        cache.set(WATCHED_KEY, rows, 300)
    return rows


def crisis_phrases() -> list[tuple[str, str]]:
    rows = cache.get(PHRASES_KEY)
    if rows is None:
        rows = list(CrisisPhrase.objects.values_list("phrase", "level"))
        cache.set(PHRASES_KEY, rows, 300)
    return rows


def forget_lists() -> None:
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
