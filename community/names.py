"""Display names that could pass for someone else's, or for a role.

UTS #39 compares two strings by their *skeleton*: each character replaced
by the prototype it is confusable with, after normalisation. The full
confusables table is large; no maintained Python package computes UTS #39
skeletons (confusable-homoglyphs detects mixed scripts, not skeletons), so
this is the standard's recipe with a small table covering what a display
name can realistically use to impersonate someone: NFKC (full-width letters,
ligatures, mathematical alphabets), combining marks and invisible characters
dropped, Cyrillic and Greek letters that look Latin, 0/1/| and their kin,
and the "rn"→"m", "vv"→"w", "cl"→"d" pairs. Spaces and punctuation do not
count: "R i l e y" and "Riley." are Riley.
"""

import re
import unicodedata

# Applied after NFKC, before case folding (so capital I and l meet).
PROTOTYPES = str.maketrans(
    {
        # Cyrillic
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
        "Т": "T", "Х": "X", "У": "Y", "Ѕ": "S", "І": "l", "Ј": "J", "Ԛ": "Q", "Ԝ": "W", "Ӏ": "l",
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "ѕ": "s", "і": "i",
        "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ɡ": "g", "ь": "b", "п": "n",
        "г": "r", "т": "t", "м": "m", "к": "k", "в": "b", "н": "h", "ё": "e", "ї": "i",
        # Greek
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "l", "Κ": "K", "Μ": "M", "Ν": "N",
        "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ο": "o", "ν": "v", "ι": "i", "κ": "k",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "α": "a", "ε": "e", "η": "n", "ϲ": "c", "ϳ": "j",
        # Latin and symbols
        "ı": "i", "ȷ": "j", "ℓ": "l", "I": "l", "1": "l", "|": "l", "!": "l", "ǀ": "l", "0": "O",
        "ø": "o", "Ø": "O", "ß": "ss", "$": "s", "@": "a", "€": "e",
    }
)  # fmt: skip
PAIRS = [("rn", "m"), ("vv", "w"), ("cl", "d")]
# Checked against the skeleton. Long words anywhere ("RileyModerator"); short
# ones as a word of their own, camel case split ("Riley (mod)", "RileyStaff",
# but not "Stafford" or "Badminton").
ROLE_WORDS_ANYWHERE = ("moderator", "moderation", "administrator", "sysop")
ROLE_WORDS_ALONE = ("mod", "mods", "admin", "admins", "staff", "staffer", "official", "team", "crew", "support")


def _translated(value: str) -> str:
    text = unicodedata.normalize("NFKC", value)
    # Marks and invisible characters first: "Rïley", "Ri\u200bley".
    text = "".join(
        c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) not in {"Mn", "Me", "Cf", "Cc"}
    )
    return text.translate(PROTOTYPES)


def _fold(text: str) -> str:
    text = text.casefold()
    for pair, prototype in PAIRS:
        text = text.replace(pair, prototype)
    return text


def skeleton(value: str) -> str:
    """What a name looks like, for comparison with another's."""
    return "".join(c for c in _fold(_translated(value)) if c.isalnum())


def role_word(value: str) -> str | None:
    """The role word a name carries (after the skeleton), or None."""
    text = _translated(value)
    squashed = "".join(c for c in _fold(text) if c.isalnum())
    for word in ROLE_WORDS_ANYWHERE:
        if word in squashed:
            return word
    words = set()
    for token in re.split(r"[\W_]+", text):
        words.add(_fold(token))
        words.update(_fold(part) for part in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", token))
    for word in ROLE_WORDS_ALONE:
        if word in words:
            return word
    return None


def skeletons(value: str) -> set[str]:
    """The name's skeletons as written and in lower case: UTS #39 maps a
    capital I to l, so "RILEY" and "Riley" meet only through the lower case."""
    found = {skeleton(value), skeleton(value.lower())} - {""}
    # A name of emoji or punctuation only has no letters to compare: it is
    # compared as written (NFKC, case-folded), so "🌻" and "🌈" never collide.
    return found or {unicodedata.normalize("NFKC", value).casefold().strip()}


def has_invisible_characters(value: str) -> bool:
    return any(unicodedata.category(c) in {"Cf", "Cc", "Co", "Cn"} for c in value)
