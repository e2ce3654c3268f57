"""The crisis detector's speed caches stay small whatever members type."""

import importlib
import random
import string

from groups.detection.detector import classify, get_model

# The modules themselves (the package exports functions of the same names).
model_module = importlib.import_module("groups.detection.model")
normalize_module = importlib.import_module("groups.detection.normalize")


def test_long_unique_words_are_not_kept():
    model = get_model()
    classify("warming the caches with an ordinary line")
    words_before = len(model._caches()[0])
    tokens_before = len(normalize_module._FIXED)
    rng = random.Random(7)
    for _ in range(30):
        word = "".join(rng.choices(string.ascii_lowercase, k=3990))
        classify(word)
    assert len(model._caches()[0]) == words_before
    assert len(normalize_module._FIXED) == tokens_before
    # Ordinary words are still kept (that is the speed-up).
    classify("zebracorn marmalade")
    assert "zebracorn" in model._caches()[0]
    assert model_module._CACHED_WORD_MAX >= 20


def test_a_long_word_gives_the_same_answer_cached_or_not():
    word = "hopeless" * 6  # 48 letters: past the cached length
    first = classify(f"i feel {word} and i want to end it")
    again = classify(f"i feel {word} and i want to end it")
    assert first == again
