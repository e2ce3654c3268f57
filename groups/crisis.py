"""Sorting messages into crisis, concern or nothing by phrase patterns.

A false positive shows someone a resource card; a false negative can leave a
person in danger unseen. So patterns lean towards catching first-person
statements of intent and their common spellings, and leave out idioms
("this workout is killing me") that the word lists below would otherwise hit.
The moderation issue makes these lists editable by staff.
"""

import re

CRISIS = "crisis"
CONCERN = "concern"

CRISIS_PATTERNS = [
    r"\bkill(?:ing)?\s+my\s*self\b",
    r"\bkms\b",
    r"\bend(?:ing)?\s+(?:it\s+all|my\s+life|things)\b",
    r"\b(?:want|going|plan(?:ning)?|ready)\s+to\s+die\b",
    r"\bsuicid(?:e|al)\b",
    r"\bunalive\b",
    r"\b(?:cut(?:ting)?|hurt(?:ing)?|harm(?:ing)?)\s+my\s*self\b",
    r"\bself[-\s]?harm(?:ing)?\b",
    r"\boverdos(?:e|ed|ing)\b",
    r"\b(?:took|taken|swallowed)\s+(?:all|a\s+bunch\s+of|too\s+many)\s+(?:my\s+)?(?:pills|meds)\b",
    r"\bno\s+reason\s+to\s+(?:live|go\s+on)\b",
    r"\bbetter\s+off\s+(?:dead|without\s+me)\b",
    r"\bdon'?t\s+want\s+to\s+(?:be\s+alive|live|wake\s+up)\b",
    r"\bgoodbye\s+(?:everyone|forever)\b",
]

CONCERN_PATTERNS = [
    r"\brelaps(?:e|ed|ing)\b",
    r"\bcraving(?:s)?\b",
    r"\bwant\s+to\s+(?:use|drink)\b",
    r"\bhopeless\b",
    r"\bcan'?t\s+(?:go\s+on|do\s+this\s+anymore|take\s+it\s+anymore)\b",
    r"\bslipp?ed\s+up\b",
    r"\bfell\s+off\s+the\s+wagon\b",
]

_crisis = [re.compile(p, re.IGNORECASE) for p in CRISIS_PATTERNS]
_concern = [re.compile(p, re.IGNORECASE) for p in CONCERN_PATTERNS]
_apostrophes = str.maketrans({"\u2019": "'", "\u2018": "'"})


def classify(text: str) -> str:
    """'crisis', 'concern' or '' for a message body."""
    text = text.translate(_apostrophes)
    if any(p.search(text) for p in _crisis):
        return CRISIS
    if any(p.search(text) for p in _concern):
        return CONCERN
    return ""
