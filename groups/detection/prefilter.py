"""Which rules could match a text, from literal text every match must contain.

Searching a few hundred regular expressions costs most of a message's time in
the rules, although an ordinary chat line matches none of them. Each pattern
is read once (with the regex parser of the standard library) for strings that
every match of it contains: "kill myself", "killing myself" or "killed
myself" for r"\\bkill(?:ing|ed)? myself\\b". A rule whose strings are all
absent from a text cannot match it, so only the others are searched; a
pattern with no such strings is always searched. This decides nothing on its
own: the rules that may match are searched exactly as before, in the same
order, so the matches are the same.
"""

import re
from re import _constants as sre
from re import _parser as sre_parse

# A set of alternatives larger than this is not worth indexing.
_MAX_STRINGS = 48
# Strings longer than this are no more selective in chat.
_ENOUGH_LENGTH = 8
# Strings are indexed by one substring of this length.
_GRAM = 4

_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)


def _product(left: set[str], right: set[str]) -> set[str] | None:
    if len(left) * len(right) > _MAX_STRINGS * 2:
        return None
    return {a + b for a in left for b in right}


def _exact_sequence(items) -> set[str] | None:
    """The strings a sequence always matches exactly, if a small finite set."""
    out = {""}
    for item in items:
        strings = _exact(item)
        if strings is None:
            return None
        out = _product(out, strings)
        if out is None:
            return None
    return out


def _exact(item) -> set[str] | None:
    """The strings one parsed item matches exactly: None unless a small finite set."""
    op, av = item
    if op is sre.LITERAL:
        return {chr(av)}
    if op in _ZERO_WIDTH:
        # Consumes nothing, so the literals either side of it are adjacent.
        return {""}
    if op is sre.IN:
        if all(o is sre.LITERAL for o, _ in av):
            return {chr(v) for _, v in av}
        return None
    if op is sre.SUBPATTERN:
        _group, add_flags, del_flags, pattern = av
        return None if add_flags or del_flags else _exact_sequence(pattern)
    if op is sre.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            strings = _exact_sequence(branch)
            if strings is None:
                return None
            out |= strings
        return out if len(out) <= _MAX_STRINGS * 2 else None
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        low, high, pattern = av
        if high == 1:
            strings = _exact_sequence(pattern)
            if strings is None:
                return None
            return strings | {""} if low == 0 else strings
    return None


def _score(strings: set[str]) -> tuple[int, int, int]:
    shortest = min(len(s) for s in strings)
    return min(shortest, _ENOUGH_LENGTH), -len(strings), shortest


def _best(candidates: list[set[str]]) -> set[str] | None:
    usable = [c for c in candidates if c and "" not in c and len(c) <= _MAX_STRINGS]
    return max(usable, key=_score) if usable else None


def _runs(run: list[set[str]]) -> list[set[str]]:
    """Every contiguous stretch of a run of exact items, as the strings it matches."""
    out = []
    for i in range(len(run)):
        strings = {""}
        for j in range(i, len(run)):
            strings = _product(strings, run[j])
            if strings is None:
                break
            out.append(strings)
    return out


def _required_sequence(items) -> set[str] | None:
    """Strings one of which every match of the sequence contains, or None."""
    candidates: list[set[str]] = []
    run: list[set[str]] = []
    for item in items:
        strings = _exact(item)
        if strings is not None:
            run.append(strings)
            continue
        candidates += _runs(run)
        run = []
        required = _required(item)
        if required is not None:
            candidates.append(required)
    candidates += _runs(run)
    return _best(candidates)


def _required(item) -> set[str] | None:
    op, av = item
    if op is sre.SUBPATTERN:
        _group, add_flags, del_flags, pattern = av
        return None if add_flags or del_flags else _required_sequence(pattern)
    if op is sre.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            strings = _required_sequence(branch)
            if strings is None:
                return None
            out |= strings
        return out if len(out) <= _MAX_STRINGS else None
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        low, _high, pattern = av
        return _required_sequence(pattern) if low >= 1 else None
    return None


def required_strings(pattern: re.Pattern) -> frozenset[str] | None:
    """Strings one of which every match of `pattern` contains, or None if it
    has none worth testing (or flags that would change what a literal means)."""
    if pattern.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # pragma: no cover - a compiled pattern parses
        return None
    strings = _required_sequence(list(parsed))
    return frozenset(strings) if strings else None


class Prefilter:
    """Indices (in order) of the patterns that may match a text.

    Each required string of at least _GRAM characters is indexed by one of its
    substrings of that length (the one fewest other strings share), so a text
    costs a set of its own substrings of that length and one intersection,
    whatever the number of rules; shorter strings are looked for one by one.
    A rule found that way is then kept only if one of its strings is in the
    text."""

    def __init__(self, patterns: list[re.Pattern]):
        self.required = [required_strings(p) for p in patterns]
        self.always = tuple(i for i, strings in enumerate(self.required) if strings is None)
        grams_of = {
            s: {s[i : i + _GRAM] for i in range(len(s) - _GRAM + 1)}
            for strings in self.required
            if strings
            for s in strings
        }
        shared: dict[str, int] = {}
        for grams in grams_of.values():
            for g in grams:
                shared[g] = shared.get(g, 0) + 1
        rules_of: dict[str, list[int]] = {}
        for index, strings in enumerate(self.required):
            for s in sorted(strings or ()):
                rules_of.setdefault(s, []).append(index)
        by_gram: dict[str, list[tuple[str, tuple[int, ...]]]] = {}
        short: list[tuple[str, tuple[int, ...]]] = []
        for s, indices in rules_of.items():
            if len(s) >= _GRAM:
                gram = min(sorted(grams_of[s]), key=lambda g: shared[g])
                by_gram.setdefault(gram, []).append((s, tuple(indices)))
            else:
                short.append((s, tuple(indices)))
        self.by_gram = {g: tuple(v) for g, v in by_gram.items()}
        self.grams = frozenset(self.by_gram)
        self.short = tuple(short)

    def candidates(self, text: str) -> list[int]:
        """Indices, ascending, of every pattern that may match `text`."""
        indices = set(self.always)
        by_gram = self.by_gram
        for gram in self.grams.intersection([text[i : i + _GRAM] for i in range(len(text) - _GRAM + 1)]):
            for s, found in by_gram[gram]:
                if s in text:
                    indices.update(found)
        for s, found in self.short:
            if s in text:
                indices.update(found)
        return sorted(indices)
