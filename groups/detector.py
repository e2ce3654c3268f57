"""Staff-managed word lists, read on every message, so cached.

The cache holds the lists of watched words and extra crisis phrases; staff
edits delete the cache key, so every process sees a change at once (with
Redis) or within the process (embedded mode, one process)."""

import re

from django.core.cache import cache

from . import crisis
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
    """The built-in patterns first, then the staff's own phrases."""
    level = crisis.classify(text)
    if level == crisis.CRISIS:
        return level
    for phrase, phrase_level in crisis_phrases():
        if _phrase_pattern(phrase).search(text.translate(crisis._apostrophes)):
            if phrase_level == crisis.CRISIS:
                return crisis.CRISIS
            level = level or phrase_level
    return level
