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


def classify(text: str) -> str:
    """The message's tier ("", "concern" or "crisis"): the built-in detector
    (groups.detection) with the staff's own crisis and concern phrases added
    and their exclusions (known false alarms) taken out."""
    phrases, exclusions = [], []
    for phrase, level in crisis_phrases():
        if level == CrisisPhrase.Level.EXCLUDE:
            exclusions.append(phrase)
        else:
            phrases.append((phrase, level))
    return detection.classify(text, extra_phrases=phrases, exclusions=exclusions).tier
