"""Scoring, explanations and bulk assignment for mentor matching.

Pure Python + NumPy + SciPy on purpose: nothing here touches Django, so the
benchmark (bench/bench_matching.py) and the property tests can build
instances directly. `mentorship.queries` turns model rows into `Mentee` and
`Mentor` values.

Score of an allowed pair, 0–100: the weighted mean of five components, each
in [0, 1]:

- focus: share of the mentee's focus areas the mentor also lists;
- availability: shared weekday × part-of-day slots, three or more is full marks;
- time_zone: 1 for the same UTC offset, falling linearly to 0 at 6 hours apart;
- meeting: 1 if they share a meeting preference (chat / video / in person);
- track: 1 if both went through the same program track.

Hard filters (a forbidden pair never scores): no shared language, the mentee
themself, a mentor without capacity left, a pair that already ended, declined,
expired or was blocked, and — only where the mentee asked for it — a mentor
who did not share the same gender.

`score_pair` (one pair, with its reasons) and `score_matrix` (every pair at
once, vectorised) compute the same numbers; the tests hold them to that.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAY_NAMES = dict(zip(DAYS, ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"], strict=True))
PARTS = ["morning", "afternoon", "evening"]
SLOTS = [f"{d}-{p}" for d in DAYS for p in PARTS]
SLOT_INDEX = {s: i for i, s in enumerate(SLOTS)}
MEETING_MODES = ["chat", "video", "in_person"]
MEETING_LABELS = {"chat": "chat", "video": "video", "in_person": "in person"}

FULL_AVAILABILITY_SLOTS = 3
TIME_ZONE_ZERO_HOURS = 6.0
COMPONENTS = ("focus", "availability", "time_zone", "meeting", "track")


@dataclass(frozen=True)
class Weights:
    """Staff-editable weights (MatchingSettings stores them)."""

    focus: float = 3.0
    availability: float = 2.0
    time_zone: float = 1.0
    meeting: float = 1.0
    track: float = 1.0

    def as_array(self) -> np.ndarray:
        return np.array([getattr(self, c) for c in COMPONENTS], dtype=float)

    @property
    def total(self) -> float:
        return float(self.as_array().sum())


@dataclass(frozen=True)
class Mentee:
    """One open request. `id` is the request's key; `user_id` the mentee's."""

    id: int
    user_id: int
    focus: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    slots: frozenset[str] = frozenset()
    utc_offset: float = 0.0
    meeting: frozenset[str] = frozenset()
    track: str = ""
    gender: str = ""
    same_gender: bool = False
    time_zone: str = ""


@dataclass(frozen=True)
class Mentor:
    """One approved, unpaused mentor. `id` is the mentor's user id."""

    id: int
    focus: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    slots: frozenset[str] = frozenset()
    utc_offset: float = 0.0
    meeting: frozenset[str] = frozenset()
    track: str = ""
    gender: str = ""
    capacity_left: int = 1
    time_zone: str = ""


@dataclass
class Scored:
    """A pair's score with the reasons behind it, one list per audience."""

    score: float
    components: dict[str, float]
    staff: list[str] = field(default_factory=list)
    mentee: list[str] = field(default_factory=list)
    mentor: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "score": round(self.score, 1),
            "components": {k: round(v, 3) for k, v in self.components.items()},
            "staff": self.staff,
            "mentee": self.mentee,
            "mentor": self.mentor,
        }


# --- pieces -------------------------------------------------------------------


def tz_distance(a: float, b: float) -> float:
    """Hours between two UTC offsets, the short way round the clock."""
    d = abs(a - b) % 24
    return min(d, 24 - d)


def _tz_component(hours: float) -> float:
    return max(0.0, 1.0 - hours / TIME_ZONE_ZERO_HOURS)


def forbidden_reason(mentee: Mentee, mentor: Mentor, excluded: frozenset | set = frozenset()) -> str:
    """Why this pair may never be matched ('' if it may)."""
    if mentee.user_id == mentor.id:
        return "the mentee themself"
    if mentor.capacity_left <= 0:
        return "no capacity left"
    if (mentee.user_id, mentor.id) in excluded:
        return "matched before, declined or blocked"
    if not mentee.languages & mentor.languages:
        return "no shared language"
    if mentee.same_gender and (not mentee.gender or mentee.gender != mentor.gender):
        return "not the same gender (the mentee asked)"
    return ""


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def describe_slots(slots: Iterable[str]) -> str:
    """'Tuesday and Thursday evenings, Saturday mornings' (grid order)."""
    by_part: dict[str, list[str]] = {}
    for slot in sorted(slots, key=SLOT_INDEX.__getitem__):
        day, part = slot.split("-")
        by_part.setdefault(part, []).append(DAY_NAMES[day])
    return ", ".join(f"{_join(days)} {part}s" for part in PARTS if (days := by_part.get(part)))


def _hours(h: float) -> str:
    h = round(h, 1)
    h = int(h) if h == int(h) else h
    return f"{h} hour{'s' if h != 1 else ''}"


def score_pair(
    mentee: Mentee,
    mentor: Mentor,
    weights: Weights = Weights(),
    excluded: frozenset | set = frozenset(),
    labels: dict[str, str] | None = None,
) -> Scored | None:
    """Score one pair with its explanation, or None if the pair is forbidden.

    `labels` maps focus-area and language keys to display names. The mentee
    sees only what is about them or public on the mentor's profile; the
    (not yet matched) mentor sees counts, never the mentee's focus areas.
    """
    if forbidden_reason(mentee, mentor, excluded):
        return None
    labels = labels or {}

    def name(key: str) -> str:
        return labels.get(key, key)

    shared_focus = sorted(mentee.focus & mentor.focus, key=lambda k: name(k).lower())
    shared_slots = mentee.slots & mentor.slots
    shared_langs = sorted(mentee.languages & mentor.languages, key=lambda k: name(k).lower())
    shared_modes = [m for m in MEETING_MODES if m in mentee.meeting & mentor.meeting]
    hours = tz_distance(mentee.utc_offset, mentor.utc_offset)
    same_track = bool(mentee.track) and mentee.track == mentor.track

    components = {
        "focus": len(shared_focus) / len(mentee.focus) if mentee.focus else 0.0,
        "availability": min(len(shared_slots), FULL_AVAILABILITY_SLOTS) / FULL_AVAILABILITY_SLOTS,
        "time_zone": _tz_component(hours),
        "meeting": 1.0 if shared_modes else 0.0,
        "track": 1.0 if same_track else 0.0,
    }
    total = weights.total
    score = 100.0 * sum(getattr(weights, k) * v for k, v in components.items()) / total if total > 0 else 0.0
    result = Scored(score=score, components=components)

    def add(staff: str, mentee_text: str | None = None, mentor_text: str | None = None):
        result.staff.append(staff)
        result.mentee.append(staff if mentee_text is None else mentee_text)
        result.mentor.append(staff if mentor_text is None else mentor_text)

    def gap(staff: str):
        # What the pair does not share is no reason to suggest them: staff
        # weighing a match see it, the two people being asked do not.
        result.staff.append(staff)

    if shared_slots:
        add(f"both free {describe_slots(shared_slots)}")
    else:
        gap("no shared free times yet")
    focus_names = ", ".join(name(k).lower() for k in shared_focus)
    if shared_focus:
        n = len(shared_focus)
        add(f"shared focus: {focus_names}", mentor_text=f"{n} shared focus area{'s' if n != 1 else ''}")
    else:
        gap("no shared focus areas")
    langs = ", ".join(name(k) for k in shared_langs)
    # A pair with no language in common is never scored (forbidden_reason).
    add(f"same language{'s' if len(shared_langs) > 1 else ''}: {langs}")
    if hours == 0:
        zone = f" ({mentee.time_zone})" if mentee.time_zone else ""
        add(f"same time zone{zone}", "same time zone", "same time zone")
    else:
        zones = f" ({mentee.time_zone} / {mentor.time_zone})" if mentee.time_zone and mentor.time_zone else ""
        add(
            f"time zones {_hours(hours)} apart{zones}",
            f"time zones {_hours(hours)} apart",
            f"time zones {_hours(hours)} apart",
        )
    if shared_modes:
        add("both like to meet by " + " or ".join(MEETING_LABELS[m] for m in shared_modes))
    else:
        gap("different meeting preferences")
    if same_track:
        add(f"same program track: {mentee.track}", "same program track", "same program track")
    if mentee.same_gender:
        # The mentor chose to share it; the mentor side is not told the
        # mentee's preference (that would reveal the mentee's gender).
        result.staff.append(f"same gender, as the mentee asked ({mentee.gender})")
        result.mentee.append("same gender, as you asked")
    return result


# --- the vectorised form --------------------------------------------------------


def _multi_hot(sets: Sequence[frozenset[str]], index: dict[str, int]) -> np.ndarray:
    out = np.zeros((len(sets), max(len(index), 1)), dtype=np.float32)
    for row, items in enumerate(sets):
        for item in items:
            col = index.get(item)
            if col is not None:
                out[row, col] = 1.0
    return out


def _vocabulary(*groups: Iterable[frozenset[str]]) -> dict[str, int]:
    vocab: dict[str, int] = {}
    for group in groups:
        for items in group:
            for item in items:
                vocab.setdefault(item, len(vocab))
    return vocab


def score_matrix(
    mentees: Sequence[Mentee],
    mentors: Sequence[Mentor],
    weights: Weights = Weights(),
    excluded: frozenset | set = frozenset(),
) -> np.ndarray:
    """Scores of every mentee (rows) × mentor (columns); -inf where forbidden."""
    n, m = len(mentees), len(mentors)
    if n == 0 or m == 0:
        return np.full((n, m), -np.inf)
    focus_vocab = _vocabulary((x.focus for x in mentees), (x.focus for x in mentors))
    lang_vocab = _vocabulary((x.languages for x in mentees), (x.languages for x in mentors))

    rf = _multi_hot([x.focus for x in mentees], focus_vocab)
    mf = _multi_hot([x.focus for x in mentors], focus_vocab)
    focus_count = rf.sum(axis=1, keepdims=True)
    focus = np.divide(rf @ mf.T, focus_count, out=np.zeros((n, m), dtype=np.float32), where=focus_count > 0)

    ra = _multi_hot([x.slots for x in mentees], SLOT_INDEX)
    ma = _multi_hot([x.slots for x in mentors], SLOT_INDEX)
    availability = np.minimum(ra @ ma.T, FULL_AVAILABILITY_SLOTS) / FULL_AVAILABILITY_SLOTS

    ro = np.array([x.utc_offset for x in mentees], dtype=float)[:, None]
    mo = np.array([x.utc_offset for x in mentors], dtype=float)[None, :]
    d = np.abs(ro - mo) % 24
    hours = np.minimum(d, 24 - d)
    time_zone = np.maximum(0.0, 1.0 - hours / TIME_ZONE_ZERO_HOURS)

    mode_index = {k: i for i, k in enumerate(MEETING_MODES)}
    meeting = (
        _multi_hot([x.meeting for x in mentees], mode_index) @ _multi_hot([x.meeting for x in mentors], mode_index).T
        > 0
    ).astype(float)

    tracks = _vocabulary(
        [frozenset([x.track]) for x in mentees if x.track], [frozenset([x.track]) for x in mentors if x.track]
    )
    rt = np.array([tracks.get(x.track, -1) if x.track else -1 for x in mentees])[:, None]
    mt = np.array([tracks.get(x.track, -2) if x.track else -2 for x in mentors])[None, :]
    track = (rt == mt).astype(float)

    w = weights.as_array()
    total = w.sum()
    if total > 0:
        scores = 100.0 * (w[0] * focus + w[1] * availability + w[2] * time_zone + w[3] * meeting + w[4] * track) / total
    else:
        scores = np.zeros((n, m))
    scores = scores.astype(float)

    # Hard filters.
    rl = _multi_hot([x.languages for x in mentees], lang_vocab)
    ml = _multi_hot([x.languages for x in mentors], lang_vocab)
    allowed = (rl @ ml.T) > 0
    allowed &= np.array([x.capacity_left > 0 for x in mentors])[None, :]
    mentee_users = np.array([x.user_id for x in mentees])[:, None]
    mentor_users = np.array([x.id for x in mentors])[None, :]
    allowed &= mentee_users != mentor_users
    genders = {g: i for i, g in enumerate(sorted({x.gender for x in mentors if x.gender}))}
    want = np.array([x.same_gender for x in mentees])
    if want.any():
        rg = np.array([genders.get(x.gender, -1) if x.gender else -1 for x in mentees])[:, None]
        mg = np.array([genders.get(x.gender, -2) if x.gender else -2 for x in mentors])[None, :]
        allowed &= ~want[:, None] | (rg == mg)
    if excluded:
        row_of: dict[int, list[int]] = {}
        for i, x in enumerate(mentees):
            row_of.setdefault(x.user_id, []).append(i)
        col_of: dict[int, list[int]] = {}
        for j, x in enumerate(mentors):
            col_of.setdefault(x.id, []).append(j)
        for mentee_user, mentor_user in excluded:
            for i in row_of.get(mentee_user, ()):
                for j in col_of.get(mentor_user, ()):
                    allowed[i, j] = False
    scores[~allowed] = -np.inf
    return scores


# --- assignment -----------------------------------------------------------------


def assign(scores: np.ndarray, capacities: Sequence[int]) -> list[tuple[int, int]]:
    """The assignment of rows to columns that maximises the total score.

    Each column j takes at most `capacities[j]` rows, each row at most one
    column; -inf cells are never used and a row may stay unmatched. Returns
    (row, column) pairs sorted by row.

    Columns are expanded into one slot per unit of capacity (never more than
    the number of rows) and solved with SciPy's linear_sum_assignment.
    Forbidden cells cost the same as staying unmatched (0): because every
    allowed score is ≥ 0, and a solution can always leave a row out, the
    optimum of this square-ish problem equals the optimum of the original —
    a row "assigned" to a forbidden cell is simply unmatched. That saves the
    dummy columns and keeps the matrix small.
    """
    scores = np.asarray(scores, dtype=float)
    n, m = scores.shape
    caps = np.minimum(np.asarray(capacities, dtype=int), n)
    if n == 0 or m == 0 or caps.sum() <= 0:
        return []
    if (scores[np.isfinite(scores)] < 0).any():
        raise ValueError("Scores must be non-negative (use -inf for forbidden pairs).")
    slots = np.repeat(np.arange(m), np.maximum(caps, 0))
    expanded = scores[:, slots]
    allowed = np.isfinite(expanded)
    profit = np.where(allowed, expanded, 0.0)
    rows, cols = linear_sum_assignment(profit, maximize=True)
    pairs = [(int(r), int(slots[c])) for r, c in zip(rows, cols, strict=True) if allowed[r, c]]
    return sorted(pairs)


def total_score(scores: np.ndarray, pairs: Iterable[tuple[int, int]]) -> float:
    return float(sum(scores[i, j] for i, j in pairs))


def top_suggestions(
    mentee: Mentee,
    mentors: Sequence[Mentor],
    weights: Weights = Weights(),
    excluded: frozenset | set = frozenset(),
    limit: int = 3,
    labels: dict[str, str] | None = None,
) -> list[tuple[Mentor, Scored]]:
    """The best `limit` allowed mentors for one mentee, best first (ties by id)."""
    scored = [
        (mentor, s) for mentor in mentors if (s := score_pair(mentee, mentor, weights, excluded, labels)) is not None
    ]
    scored.sort(key=lambda pair: (-round(pair[1].score, 6), pair[0].id))
    return scored[:limit]
