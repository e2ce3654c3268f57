"""One canonical spelling of a chat message, shared by the rules and the classifier.

People in distress rarely type dictionary English: "kms", "su1c1de", "k*ll my
self", "diiiiie", "no quiero vivír", curly quotes from phones. Everything
downstream matches against the output of `normalize()`, so a spelling trick
handled here is handled for every rule, every staff phrase and the model.

The output is lower case ASCII (accents dropped, so Spanish "mí" is "mi" and
"años" is "anos"), straight quotes, punctuation kept (the rules split clauses
on it), and single spaces.
"""

import re
import unicodedata
from functools import lru_cache

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u02bc": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u00bf": " ",
        "\u00a1": " ",
    }
)

# Words people censor with an asterisk (or two) to get past filters. A
# censored token is matched against these with each `*` run standing for one
# to three letters.
_CENSORABLE = (
    "kill",
    "killing",
    "killed",
    "kms",
    "suicide",
    "suicidal",
    "die",
    "dying",
    "dead",
    "death",
    "cut",
    "cutting",
    "myself",
    "self",
    "harm",
    "overdose",
    "unalive",
    "fent",
    "fentanyl",
    "hang",
    "hanging",
    "matarme",
    "morir",
    "suicidarme",
)

# Words the elongation fix may restore: a token typed with a letter held down
# ("diiiie", "killlll") is collapsed to single letters and looked up here by
# that squeezed spelling.
_ELONGATABLE = (
    *_CENSORABLE,
    "so",
    "want",
    "tired",
    "done",
    "please",
    "help",
    "bye",
    "goodbye",
    "gone",
    "over",
    "alone",
    "sorry",
    "need",
    "hate",
    "hurts",
    "pain",
    "stop",
    "end",
    "no",
    "yes",
    "lol",
    "omg",
    "ugh",
    "really",
    "good",
    "too",
    "craving",
    "high",
    "drunk",
    "sad",
    "scared",
    "cansado",
    "cansada",
    "ayuda",
    "muero",
    "quiero",
)

# Chat shorthand and the misspellings seen in crisis messages, token by token.
# Contractions without apostrophes gain one so the rules need one spelling.
_TOKENS = {
    "u": "you",
    "ur": "your",
    "r": "are",
    "im": "i'm",
    "ive": "i've",
    "dont": "don't",
    "cant": "can't",
    "wont": "won't",
    "didnt": "didn't",
    "doesnt": "doesn't",
    "isnt": "isn't",
    "wasnt": "wasn't",
    "werent": "weren't",
    "arent": "aren't",
    "couldnt": "couldn't",
    "wouldnt": "wouldn't",
    "shouldnt": "shouldn't",
    "havent": "haven't",
    "hasnt": "hasn't",
    "aint": "ain't",
    "thats": "that's",
    "whats": "what's",
    "theres": "there's",
    "youre": "you're",
    "theyre": "they're",
    "cannot": "can't",
    "wanna": "want to",
    "gonna": "going to",
    "gotta": "got to",
    "tryna": "trying to",
    "finna": "going to",
    "imma": "i'm going to",
    "ima": "i'm going to",
    "rn": "right now",
    "tn": "tonight",
    "tonite": "tonight",
    "2nite": "tonight",
    "2night": "tonight",
    "2day": "today",
    "2morrow": "tomorrow",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tomorow": "tomorrow",
    "tommorow": "tomorrow",
    "4ever": "forever",
    "b4": "before",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
    "idc": "i don't care",
    "idk": "i don't know",
    "ppl": "people",
    "anymore": "anymore",
    "kil": "kill",
    "myslef": "myself",
    "mysef": "myself",
    "meself": "myself",
    "suicidial": "suicidal",
    "suicidel": "suicidal",
    "sucidal": "suicidal",
    "suicdal": "suicidal",
    "suisidal": "suicidal",
    "suicidale": "suicidal",
    "sucide": "suicide",
    "suicde": "suicide",
    "suiside": "suicide",
    "suicied": "suicide",
    "sucicide": "suicide",
    "suacide": "suicide",
    "sewerslide": "sewer slide",
    "sewerside": "sewer slide",
    "selfharm": "self harm",
    "oded": "od'd",
    "odeed": "od'd",
    "odd'd": "od'd",
    "narcam": "narcan",
    "narkan": "narcan",
    "nalaxone": "naloxone",
    "naloxon": "naloxone",
    "fentanil": "fentanyl",
    "fentynal": "fentanyl",
    "fentanly": "fentanyl",
    "fentenyl": "fentanyl",
    "pils": "pills",
    "pillz": "pills",
    "dieing": "dying",
    "dyin": "dying",
    "killin": "killing",
    "cuttin": "cutting",
    "dissapear": "disappear",
    "disapear": "disappear",
    "dissappear": "disappear",
    "relaped": "relapsed",
    "relasped": "relapsed",
    "relpased": "relapsed",
    "relaspe": "relapse",
    "craveing": "craving",
    "q": "que",
    "xq": "porque",
    "pq": "porque",
    "porq": "porque",
    "tmb": "tambien",
    "tb": "tambien",
}

_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "|": "l"}
)
# Tokens with digits that are not leetspeak: amounts, times, pill imprints (m30).
_NOT_LEET = re.compile(r"^(?:\d+[a-z]{0,4}|[a-z]\d+s?|\d+(?:st|nd|rd|th))$")
_TOKEN = re.compile(r"[\w@$!|*']+")
_RUN = re.compile(r"(.)\1{2,}")
_SPELLED_OUT = re.compile(r"\b(?:[a-z]([.\-_])){2,}[a-z]\b|\b(?:[a-z] ){3,}[a-z]\b")


_WITHOUT = re.compile(r"\bw/o\b")
_MY_SELF = re.compile(r"\bmy\s+self\b")
_ANY_MORE = re.compile(r"\bany\s+more\b")
_UN_ALIVE = re.compile(r"\bun[\s-]+aliv")
_SELF_HARM = re.compile(r"\bself[\s-]*(harm|delet|destruct)")
_SEWER_SLIDE = re.compile(r"\bsewer[\s-]*slid")
_SPACES = re.compile(r"\s+")


def _squeeze(word: str) -> str:
    return re.sub(r"(.)\1+", r"\1", word)


_SQUEEZED = {_squeeze(w): w for w in _ELONGATABLE}


@lru_cache(maxsize=512)
def _uncensor(token: str) -> str:
    pattern = re.compile("".join("[a-z]{1,3}" if c == "*" else re.escape(c) for c in re.sub(r"\*+", "*", token)))
    for word in _CENSORABLE:
        if pattern.fullmatch(word):
            return word
    return token.replace("*", "")


def _fixed_token(token: str) -> str:
    # A trailing "!!" or a leading "'" is punctuation, not leetspeak.
    lead = re.match(r"^['!|]*", token).group()
    trail = re.search(r"['!|]*$", token[len(lead) :]).group()
    core = token[len(lead) : len(token) - len(trail)]
    if not core or core.startswith("@"):
        return token
    if "*" in core and re.search(r"[a-z]", core):
        core = _uncensor(core)
    if re.search(r"[a-z]", core) and re.search(r"[0-9@$!|]", core) and not _NOT_LEET.match(core):
        leet = core.translate(_LEET)
        # "1" is "i" in "su1c1de" but "l" in "ki11"; prefer the reading we know.
        alt = core.replace("1", "l").translate(_LEET)
        core = alt if alt in _SQUEEZED.values() and leet not in _SQUEEZED.values() else leet
    if _RUN.search(core):
        core = _SQUEEZED.get(_squeeze(core), _RUN.sub(r"\1\1", core))
    core = _TOKENS.get(core, core)
    return lead + core + trail


# Tokens already fixed, with what they became: chat repeats the same words, and
# a token's fix depends on nothing else. Emptied when it reaches the limit.
_FIXED: dict[str, str] = {}
_FIXED_LIMIT = 20_000
_FIXED_TOKEN_MAX = 40


def _fix_token(match: re.Match) -> str:
    token = match.group()
    fixed = _FIXED.get(token)
    if fixed is None:
        fixed = _fixed_token(token)
        if len(token) > _FIXED_TOKEN_MAX:
            return fixed  # a token of no real word's length is not kept
        if len(_FIXED) >= _FIXED_LIMIT:
            _FIXED.clear()
        _FIXED[token] = fixed
    return fixed


def _join_spelled_out(match: re.Match) -> str:
    return re.sub(r"[.\-_ ]", "", match.group())


def normalize(text: str) -> str:
    """Lower-case, accent-free, de-obfuscated text for matching."""
    text = unicodedata.normalize("NFKC", text.translate(_QUOTES)).casefold()
    if not text.isascii():  # (ASCII has nothing to decompose)
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    # "k.m.s", "s-u-i-c-i-d-e", "k i l l"
    text = _SPELLED_OUT.sub(_join_spelled_out, text)
    # Each substitution below runs only when its literal text is there: it
    # cannot match otherwise.
    if "w/o" in text:
        text = _WITHOUT.sub("without", text)
    text = _TOKEN.sub(_fix_token, text)
    if "self" in text:
        text = _MY_SELF.sub("myself", text)
    if "more" in text:
        text = _ANY_MORE.sub("anymore", text)
    if "aliv" in text:
        text = _UN_ALIVE.sub("unaliv", text)
    if "self" in text:
        text = _SELF_HARM.sub(r"self \1", text)
    if "sewer" in text:
        text = _SEWER_SLIDE.sub("sewer slid", text)
    return _SPACES.sub(" ", text).strip()
