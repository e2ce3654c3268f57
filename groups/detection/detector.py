"""Rules and classifier combined into one verdict per message."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from .model import MODEL_PATH, Model
from .normalize import normalize
from .rules import apply_rules

CRISIS = "crisis"
CONCERN = "concern"
NONE = ""

# The classifier raises a crisis on its own at this probability of "crisis";
# it catches phrasings no rule lists. Chosen from cross-validation on the
# training corpus with recall first (see README): the lowest threshold of the
# sweep whose cross-validated precision stays at 0.85; below it each further
# crisis caught cost about four false alarms.
CRISIS_PROBABILITY = 0.25
# Messages under this many words, with no rule's wording in them, need the
# classifier at least this sure before it raises a crisis by itself.
SHORT_WORDS = 6
SHORT_CRISIS_PROBABILITY = 0.60
TINY_WORDS = 4
# When a crisis phrase was present but its context vetoed it ("I'm not
# suicidal", "if you're thinking about suicide, call 988"), the classifier has
# to be much surer to overrule that.
VETOED_CRISIS_PROBABILITY = 0.85
# Crisis and concern probability together at or above this give a concern.
CONCERN_PROBABILITY = 0.60


@dataclass(frozen=True)
class Detection:
    tier: str
    categories: tuple[str, ...] = ()
    # The classifier's probability that the message is a crisis.
    score: float = 0.0

    def __bool__(self) -> bool:
        return self.tier != NONE


_model: Model | None = None


def get_model() -> Model:
    """The shipped model, read once per process on first use."""
    global _model
    if _model is None:
        _model = Model.load(MODEL_PATH)
    return _model


@lru_cache(maxsize=1024)
def _phrase_pattern(phrase: str) -> re.Pattern:
    parts = [re.escape(p).replace(r"\*", r"[\w']*") for p in normalize(phrase).split()]
    return re.compile(r"(?<![\w'])" + r"\s+".join(parts) + r"(?![\w'])")


def _mask(text: str, pattern: re.Pattern) -> str:
    return pattern.sub(lambda m: " " * len(m.group()), text)


def classify(
    text: str,
    *,
    extra_phrases: Iterable[tuple[str, str]] = (),
    exclusions: Iterable[str] = (),
    model: Model | None = None,
    crisis_probability: float | None = None,
) -> Detection:
    """The tier of one chat message.

    `extra_phrases` are staff-added (phrase, tier) pairs, matched on normalised
    text with `*` standing for any one word's ending ("end* it" matches "ending
    it"); they apply regardless of context. `exclusions` are staff-added phrases
    that are known false alarms ("suicide squad"): their text is blanked out
    before the rules and the classifier look at the message, so an excluded
    phrase can no longer raise anything, while a crisis stated elsewhere in the
    same message still does. Staff crisis phrases win over exclusions because
    they are matched on the whole message.
    """
    model = model or get_model()
    normalized = normalize(text)
    staff_tier = NONE
    for phrase, tier in extra_phrases:
        if phrase.strip() and _phrase_pattern(phrase).search(normalized):
            if tier == CRISIS:
                staff_tier = CRISIS
            elif tier == CONCERN and staff_tier != CRISIS:
                staff_tier = CONCERN
    checked = normalized
    for phrase in exclusions:
        if phrase.strip():
            checked = _mask(checked, _phrase_pattern(phrase))
    if checked != normalized:
        checked = re.sub(r"\s+", " ", checked).strip()

    rules = apply_rules(checked)
    probs = model.probabilities(checked) if checked else {CRISIS: 0.0, CONCERN: 0.0}
    p_crisis = probs.get(CRISIS, 0.0)
    p_concern = probs.get(CONCERN, 0.0)
    tier, categories = rules.tier, rules.categories
    if tier != CRISIS:
        threshold = VETOED_CRISIS_PROBABILITY if rules.vetoed else (crisis_probability or CRISIS_PROBABILITY)
        # With three classes a text the model knows nothing about (a short
        # "see you tuesday") lands near 1/3 each: with no rule's wording in
        # it, the classifier raises a crisis on its own only when crisis is
        # also likelier than nothing. Beside a warning sign, a relapse or
        # hopelessness the threshold alone decides.
        words = len(checked.split())
        likelier = bool(rules.categories) or p_crisis > probs.get("none", 0.0)
        if words < SHORT_WORDS and not rules.categories:
            # A short message with no crisis wording gives the model few cues
            # ("I cut my hair myself"): it must be surer on its own, and under
            # four words ("one more") it pages nobody: at most the gentle card.
            threshold = max(threshold, SHORT_CRISIS_PROBABILITY)
        if p_crisis >= threshold and likelier:
            tiny = words < TINY_WORDS and not rules.categories
            tier, categories = (CONCERN if tiny else CRISIS), (*categories, "classifier")
        elif tier == NONE and not rules.vetoed and p_crisis + p_concern >= CONCERN_PROBABILITY:
            # (Where the rules found the crisis wording negated — "I'm not
            # suicidal" — the classifier alone does not show the card either.)
            tier, categories = CONCERN, ("classifier",)

    if staff_tier == CRISIS and tier != CRISIS:
        tier = CRISIS
    elif staff_tier == CONCERN and tier == NONE:
        tier = CONCERN
    if staff_tier:
        categories = (*categories, "staff_phrase")
    return Detection(tier, categories, round(p_crisis, 4))
