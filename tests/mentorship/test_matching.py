"""The pure matching module: scores, explanations, and the bulk assignment
checked against brute force (no database)."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorship.matching import (
    MEETING_MODES,
    SLOTS,
    Mentee,
    Mentor,
    Weights,
    assign,
    describe_slots,
    score_matrix,
    score_pair,
    top_suggestions,
    total_score,
    tz_distance,
)

LABELS = {
    "anxiety": "Anxiety",
    "work": "Work & school",
    "grief": "Grief",
    "sleep": "Sleep",
    "en": "English",
    "es": "Spanish",
}


def mentee(**kw) -> Mentee:
    base = {
        "id": 1,
        "user_id": 1,
        "focus": frozenset({"anxiety", "work"}),
        "languages": frozenset({"es"}),
        "slots": frozenset({"tue-evening", "thu-evening"}),
        "utc_offset": -6.0,
        "meeting": frozenset({"video"}),
        "track": "Mental health IOP",
    }
    base.update(kw)
    return Mentee(**base)


def mentor(**kw) -> Mentor:
    base = {
        "id": 10,
        "focus": frozenset({"anxiety", "work"}),
        "languages": frozenset({"es", "en"}),
        "slots": frozenset({"tue-evening", "thu-evening", "sat-morning"}),
        "utc_offset": -6.0,
        "meeting": frozenset({"video", "chat"}),
        "track": "Mental health IOP",
        "capacity_left": 2,
    }
    base.update(kw)
    return Mentor(**base)


# --- scoring, table-driven ---------------------------------------------------------

W = Weights()  # focus 3, availability 2, time zone 1, meeting 1, track 1 → total 8


@pytest.mark.parametrize(
    ("case", "mentee_kw", "mentor_kw", "expected"),
    [
        ("perfect on all but availability (2 of 3 slots)", {}, {}, 100 * (3 * 1 + 2 * (2 / 3) + 1 + 1 + 1) / 8),
        (
            "three shared slots is full availability",
            {"slots": frozenset({"tue-evening", "thu-evening", "sat-morning"})},
            {},
            100.0,
        ),
        (
            "half the focus areas",
            {},
            {"focus": frozenset({"anxiety", "grief"})},
            100 * (3 * 0.5 + 2 * (2 / 3) + 1 + 1 + 1) / 8,
        ),
        (
            "no shared focus or time",
            {},
            {"focus": frozenset({"grief"}), "slots": frozenset({"mon-morning"})},
            100 * (0 + 0 + 1 + 1 + 1) / 8,
        ),
        (
            "three hours apart halves the time-zone part",
            {},
            {"utc_offset": -3.0},
            100 * (3 + 2 * (2 / 3) + 0.5 + 1 + 1) / 8,
        ),
        ("six or more hours apart is zero", {}, {"utc_offset": 2.0}, 100 * (3 + 2 * (2 / 3) + 0 + 1 + 1) / 8),
        (
            "around the date line is the short way",
            {"utc_offset": 11.0},
            {"utc_offset": -12.0},
            100 * (3 + 2 * (2 / 3) + (1 - 1 / 6) + 1 + 1) / 8,
        ),
        ("no shared meeting mode", {}, {"meeting": frozenset({"in_person"})}, 100 * (3 + 2 * (2 / 3) + 1 + 0 + 1) / 8),
        ("different track", {}, {"track": "Substance use IOP"}, 100 * (3 + 2 * (2 / 3) + 1 + 1 + 0) / 8),
        (
            "no track on either side is not a match",
            {"track": ""},
            {"track": ""},
            100 * (3 + 2 * (2 / 3) + 1 + 1 + 0) / 8,
        ),
        ("mentee without focus areas", {"focus": frozenset()}, {}, 100 * (0 + 2 * (2 / 3) + 1 + 1 + 1) / 8),
    ],
)
def test_score_pair_table(case, mentee_kw, mentor_kw, expected):
    scored = score_pair(mentee(**mentee_kw), mentor(**mentor_kw), W)

    assert scored is not None, case
    assert scored.score == pytest.approx(expected), case


@pytest.mark.parametrize(
    ("case", "mentee_kw", "mentor_kw", "excluded"),
    [
        ("no shared language", {}, {"languages": frozenset({"en"})}, set()),
        ("the mentee themself", {"user_id": 10}, {}, set()),
        ("no capacity left", {}, {"capacity_left": 0}, set()),
        ("ended, declined or blocked before", {}, {}, {(1, 10)}),
        ("same gender asked, mentor did not share", {"gender": "woman", "same_gender": True}, {}, set()),
        ("same gender asked, different gender", {"gender": "woman", "same_gender": True}, {"gender": "man"}, set()),
    ],
)
def test_score_pair_hard_filters(case, mentee_kw, mentor_kw, excluded):
    assert score_pair(mentee(**mentee_kw), mentor(**mentor_kw), W, excluded) is None, case
    matrix = score_matrix([mentee(**mentee_kw)], [mentor(**mentor_kw)], W, excluded)
    assert matrix[0, 0] == -np.inf, case


def test_same_gender_allowed_when_both_match_and_mentor_shared():
    scored = score_pair(mentee(gender="woman", same_gender=True), mentor(gender="woman"), W)

    assert scored is not None
    assert "same gender, as you asked" in scored.mentee
    assert not any("gender" in reason for reason in scored.mentor)


def test_gender_is_ignored_unless_the_mentee_asked():
    assert score_pair(mentee(gender="woman"), mentor(gender="man"), W) is not None


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        (Weights(focus=1, availability=0, time_zone=0, meeting=0, track=0), 50.0),
        (Weights(focus=0, availability=1, time_zone=0, meeting=0, track=0), 0.0),
        (Weights(focus=0, availability=0, time_zone=0, meeting=1, track=0), 100.0),
        (Weights(focus=1, availability=0, time_zone=0, meeting=1, track=0), 75.0),
        (Weights(focus=0, availability=0, time_zone=0, meeting=0, track=0), 0.0),
    ],
)
def test_weights_change_the_score(weights, expected):
    scored = score_pair(mentee(), mentor(focus=frozenset({"anxiety"}), slots=frozenset()), weights)

    assert scored.score == pytest.approx(expected)


# --- explanations, table-driven ---------------------------------------------------


def test_explanation_matches_the_issue_example():
    scored = score_pair(mentee(), mentor(), W, labels=LABELS)

    assert "; ".join(scored.staff[:3]) == (
        "both free Tuesday and Thursday evenings; shared focus: anxiety, work & school; same language: Spanish"
    )


@pytest.mark.parametrize(
    ("case", "mentee_kw", "mentor_kw", "audience", "expected"),
    [
        (
            "staff sees both zones",
            {"time_zone": "America/Chicago"},
            {"utc_offset": -5.0, "time_zone": "America/New_York"},
            "staff",
            "time zones 1 hour apart (America/Chicago / America/New_York)",
        ),
        (
            "mentee sees no zone names",
            {"time_zone": "America/Chicago"},
            {"utc_offset": -5.0, "time_zone": "America/New_York"},
            "mentee",
            "time zones 1 hour apart",
        ),
        (
            "mentor sees no zone names",
            {"time_zone": "America/Chicago"},
            {"utc_offset": -8.0, "time_zone": "America/Los_Angeles"},
            "mentor",
            "time zones 2 hours apart",
        ),
        ("half hours", {}, {"utc_offset": -0.5}, "mentee", "time zones 5.5 hours apart"),
        ("same zone, staff", {"time_zone": "America/Chicago"}, {}, "staff", "same time zone (America/Chicago)"),
        ("same zone, mentor", {"time_zone": "America/Chicago"}, {}, "mentor", "same time zone"),
        ("focus, staff", {}, {}, "staff", "shared focus: anxiety, work & school"),
        ("focus, mentee", {}, {}, "mentee", "shared focus: anxiety, work & school"),
        ("focus is a count for the not-yet-matched mentor", {}, {}, "mentor", "2 shared focus areas"),
        ("one focus area for the mentor", {}, {"focus": frozenset({"anxiety"})}, "mentor", "1 shared focus area"),
        ("no focus, staff", {}, {"focus": frozenset({"grief"})}, "staff", "no shared focus areas"),
        ("two languages", {"languages": frozenset({"en", "es"})}, {}, "mentee", "same languages: English, Spanish"),
        ("meeting", {"meeting": frozenset({"chat", "video"})}, {}, "mentee", "both like to meet by chat or video"),
        ("no meeting, staff", {}, {"meeting": frozenset({"in_person"})}, "staff", "different meeting preferences"),
        ("track, staff", {}, {}, "staff", "same program track: Mental health IOP"),
        ("track, mentee", {}, {}, "mentee", "same program track"),
        ("no time, staff", {}, {"slots": frozenset({"mon-morning"})}, "staff", "no shared free times yet"),
        (
            "mixed times",
            {"slots": frozenset({"sat-morning", "tue-evening", "mon-morning"})},
            {},
            "mentee",
            "both free Saturday mornings, Tuesday evenings",
        ),
    ],
)
def test_explanation_table(case, mentee_kw, mentor_kw, audience, expected):
    scored = score_pair(mentee(**mentee_kw), mentor(**mentor_kw), W, labels=LABELS)

    assert expected in getattr(scored, audience), (case, getattr(scored, audience))


@pytest.mark.parametrize("audience", ["mentee", "mentor"])
@pytest.mark.parametrize(
    ("case", "mentee_kw", "mentor_kw", "absent"),
    [
        ("no focus", {}, {"focus": frozenset({"grief"})}, "focus"),
        ("no time", {}, {"slots": frozenset({"mon-morning"})}, "free"),
        ("no meeting", {}, {"meeting": frozenset({"in_person"})}, "meeting"),
        ("different tracks", {"track": "Substance use IOP"}, {}, "track"),
        ("no tracks", {"track": ""}, {"track": ""}, "track"),
    ],
)
def test_what_a_pair_does_not_share_is_never_a_reason_given_to_them(case, mentee_kw, mentor_kw, absent, audience):
    scored = score_pair(mentee(**mentee_kw), mentor(**mentor_kw), W, labels=LABELS)

    assert not [r for r in getattr(scored, audience) if absent in r], (case, getattr(scored, audience))


def test_different_tracks_are_never_called_the_same():
    scored = score_pair(mentee(track="Substance use IOP"), mentor(track="Mental health IOP"), W, labels=LABELS)

    assert not [r for r in scored.staff + scored.mentee + scored.mentor if "track" in r]
    assert scored.components["track"] == 0.0


def test_mentor_side_never_names_the_mentees_focus_areas():
    scored = score_pair(mentee(), mentor(), W, labels=LABELS)

    text = " ".join(scored.mentor).lower()
    assert "anxiety" not in text
    assert "work & school" not in text


@pytest.mark.parametrize(
    ("slots", "expected"),
    [
        ({"tue-evening"}, "Tuesday evenings"),
        ({"thu-evening", "tue-evening"}, "Tuesday and Thursday evenings"),
        ({"mon-evening", "wed-evening", "fri-evening"}, "Monday, Wednesday and Friday evenings"),
        ({"sun-afternoon", "mon-morning"}, "Monday mornings, Sunday afternoons"),
        (set(), ""),
    ],
)
def test_describe_slots(slots, expected):
    assert describe_slots(slots) == expected


@pytest.mark.parametrize(("a", "b", "hours"), [(0, 0, 0), (-6, -5, 1), (11, -12, 1), (5.5, -6, 11.5), (12, -12, 0)])
def test_tz_distance(a, b, hours):
    assert tz_distance(a, b) == hours


def test_top_suggestions_best_first_and_limited():
    mentors = [
        mentor(id=10 + i, focus=frozenset(f))
        for i, f in enumerate([{"grief"}, {"anxiety"}, {"anxiety", "work"}, {"sleep"}, {"work"}])
    ]

    top = top_suggestions(mentee(), mentors, W, limit=3)

    assert [m.id for m, _ in top] == [12, 11, 14]


# --- vectorised == pair-wise -------------------------------------------------------

focus_keys = st.frozensets(st.sampled_from(["anxiety", "work", "grief", "sleep"]), max_size=3)
lang_keys = st.frozensets(st.sampled_from(["en", "es", "vi"]), min_size=1, max_size=2)
slot_keys = st.frozensets(st.sampled_from(SLOTS[:9]), max_size=5)
mode_keys = st.frozensets(st.sampled_from(MEETING_MODES), min_size=1, max_size=3)
offsets = st.sampled_from([-8.0, -6.0, -5.0, -3.5, 0.0, 5.5, 11.0])
tracks = st.sampled_from(["", "MH", "SU"])
genders = st.sampled_from(["", "woman", "man"])


@st.composite
def mentees(draw, user_id):
    gender = draw(genders)
    return Mentee(
        id=user_id,
        user_id=user_id,
        focus=draw(focus_keys),
        languages=draw(lang_keys),
        slots=draw(slot_keys),
        utc_offset=draw(offsets),
        meeting=draw(mode_keys),
        track=draw(tracks),
        gender=gender,
        same_gender=bool(gender) and draw(st.booleans()),
    )


@st.composite
def mentors(draw, user_id):
    return Mentor(
        id=user_id,
        focus=draw(focus_keys),
        languages=draw(lang_keys),
        slots=draw(slot_keys),
        utc_offset=draw(offsets),
        meeting=draw(mode_keys),
        track=draw(tracks),
        gender=draw(genders),
        capacity_left=draw(st.integers(0, 2)),
    )


@st.composite
def instances(draw, max_requests=5, max_mentors=3):
    n = draw(st.integers(1, max_requests))
    m = draw(st.integers(1, max_mentors))
    # Mentor ids overlap mentee ids on purpose: "not the mentee themself".
    reqs = [draw(mentees(i)) for i in range(1, n + 1)]
    ments = [draw(mentors(draw(st.integers(1, 8)) if k == 0 else 100 + k)) for k in range(m)]
    pairs = [(r.user_id, x.id) for r in reqs for x in ments]
    excluded = set(draw(st.lists(st.sampled_from(pairs), max_size=3))) if pairs else set()
    weights = Weights(*draw(st.lists(st.integers(0, 4).map(float), min_size=5, max_size=5)))
    return reqs, ments, excluded, weights


@settings(max_examples=150, deadline=None)
@given(instances())
def test_score_matrix_equals_score_pair(instance):
    reqs, ments, excluded, weights = instance

    matrix = score_matrix(reqs, ments, weights, excluded)

    for i, r in enumerate(reqs):
        for j, x in enumerate(ments):
            scored = score_pair(r, x, weights, excluded)
            if scored is None:
                assert matrix[i, j] == -np.inf
            else:
                assert matrix[i, j] == pytest.approx(scored.score, abs=1e-4)


# --- bulk assignment vs brute force ---------------------------------------------------


def brute_force(scores: np.ndarray, capacities) -> float:
    """Best total over every way to give each row a column or nothing."""
    n, m = scores.shape
    best = 0.0
    for choice in itertools.product(range(-1, m), repeat=n):
        used = [0] * m
        total = 0.0
        ok = True
        for i, j in enumerate(choice):
            if j < 0:
                continue
            if not math.isfinite(scores[i, j]):
                ok = False
                break
            used[j] += 1
            total += scores[i, j]
        if ok and all(u <= c for u, c in zip(used, capacities, strict=True)):
            best = max(best, total)
    return best


def check_assignment(scores, capacities, pairs):
    rows = [i for i, _ in pairs]
    assert len(rows) == len(set(rows)), "a request was assigned twice"
    for j, cap in enumerate(capacities):
        assert sum(1 for _, c in pairs if c == j) <= max(cap, 0), "capacity exceeded"
    for i, j in pairs:
        assert math.isfinite(scores[i, j]), "a hard filter was broken"


@settings(max_examples=200, deadline=None)
@given(instances())
def test_assign_is_optimal_and_respects_filters_on_random_people(instance):
    reqs, ments, excluded, weights = instance
    scores = score_matrix(reqs, ments, weights, excluded)
    caps = [x.capacity_left for x in ments]

    pairs = assign(scores, caps)

    check_assignment(scores, caps, pairs)
    for i, j in pairs:
        assert reqs[i].user_id != ments[j].id
        assert (reqs[i].user_id, ments[j].id) not in excluded
        assert reqs[i].languages & ments[j].languages
    assert total_score(scores, pairs) == pytest.approx(brute_force(scores, caps), abs=1e-6)


@st.composite
def raw_matrices(draw):
    n = draw(st.integers(1, 6))
    m = draw(st.integers(1, 3))
    cell = st.one_of(st.just(-np.inf), st.integers(0, 100).map(float), st.floats(0, 100, allow_nan=False))
    scores = np.array([[draw(cell) for _ in range(m)] for _ in range(n)], dtype=float)
    caps = draw(st.lists(st.integers(0, 3), min_size=m, max_size=m))
    return scores, caps


@settings(max_examples=300, deadline=None)
@given(raw_matrices())
def test_assign_is_optimal_on_random_matrices(instance):
    scores, caps = instance

    pairs = assign(scores, caps)

    check_assignment(scores, caps, pairs)
    assert total_score(scores, pairs) == pytest.approx(brute_force(scores, caps), abs=1e-6)


def test_assign_leaves_requests_unmatched_when_capacity_runs_out():
    scores = np.array([[90.0], [80.0], [70.0]])

    assert assign(scores, [2]) == [(0, 0), (1, 0)]


def test_assign_prefers_the_better_total_over_greedy():
    # Greedy would give row 0 the column it likes best and strand row 1.
    scores = np.array([[90.0, 80.0], [85.0, -np.inf]])

    assert assign(scores, [1, 1]) == [(0, 1), (1, 0)]


def test_assign_refuses_negative_scores():
    with pytest.raises(ValueError, match="non-negative"):
        assign(np.array([[-1.0]]), [1])


def test_assign_with_nothing_to_do():
    assert assign(np.zeros((0, 3)), [1, 1, 1]) == []
    assert assign(np.zeros((2, 2)), [0, 0]) == []
