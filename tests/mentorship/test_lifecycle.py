"""Asking for a mentor, self-serve suggestions, proposals, active and ended
mentorships (the real action code, no mocks)."""

import pytest
from django.core.exceptions import ValidationError

from community.models import Notification
from groups.models import Membership, Room
from mentorship import actions, queries
from mentorship.models import EndFeedback, MentorProfile, MentorRequest, Mentorship

from .conftest import ask


def _texts(user):
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("text", flat=True))


def test_request_stores_the_mentees_words(alumnus, areas):
    request = ask(
        alumnus,
        [areas["anxiety"]],
        goals="  Someone who gets night shifts. ",
        availability=["thu-evening", "tue-evening"],
        meeting_preferences=["video", "chat"],
    )

    request.refresh_from_db()
    assert (request.status, request.goals, request.availability, request.meeting_preferences) == (
        "open",
        "Someone who gets night shifts.",
        ["tue-evening", "thu-evening"],
        ["chat", "video"],
    )


def test_one_open_request_at_a_time(alumnus, areas):
    ask(alumnus, [areas["anxiety"]])

    with pytest.raises(ValidationError, match="already have an open request"):
        ask(alumnus, [areas["work"]])
    assert MentorRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"goals": "   "}, "cannot be blank"),
        ({"languages": []}, "language"),
        ({"availability": ["tue-night"]}, "weekday-part"),
        ({"time_zone": "Nowhere/Land"}, "time zone"),
        ({"prefer_same_gender": True}, "tell us your gender"),
        ({"meeting_preferences": []}, "way to meet"),
    ],
)
def test_request_with_bad_input_changes_nothing(alumnus, areas, override, message):
    with pytest.raises(ValidationError, match=message):
        ask(alumnus, [areas["anxiety"]], **override)
    assert MentorRequest.objects.count() == 0


def test_request_without_focus_is_refused(alumnus):
    with pytest.raises(ValidationError, match="focus area"):
        ask(alumnus, [])


def test_staff_cannot_ask_for_a_mentor(staff, areas):
    with pytest.raises(ValidationError, match="Only alumni"):
        ask(staff, [areas["anxiety"]])


def test_suggestions_are_best_first_with_privacy_safe_reasons(open_request, mentor, mentor_b):
    suggestions = queries.suggestions_for(open_request)

    assert [s.mentor for s in suggestions] == [mentor, mentor_b]
    assert suggestions[0].scored.mentee[:3] == [
        "both free Tuesday and Thursday evenings",
        "shared focus: anxiety, work & school",
        "same language: Spanish",
    ]


def test_suggestions_skip_paused_full_self_and_language_mismatch(alumnus, areas, mentor, mentor_b, staff):
    actions.pause_mentoring(mentor=mentor)
    request = ask(alumnus, [areas["anxiety"]], languages=["vi"])

    assert queries.suggestions_for(request) == []
    actions.withdraw_request(mentee=alumnus, request=request)
    request = ask(alumnus, [areas["anxiety"]])
    assert [s.mentor for s in queries.suggestions_for(request)] == [mentor_b]


def test_a_mentor_is_never_suggested_to_themself(mentor, areas):
    request = ask(mentor, [areas["anxiety"]])

    assert queries.suggestions_for(request) == []


def test_same_gender_only_where_the_mentor_shared_it(alumnus, areas, staff, mentor, mentor_b):
    MentorProfile.objects.filter(user=mentor_b).update(gender="woman")
    request = ask(alumnus, [areas["anxiety"]], gender="woman", prefer_same_gender=True)

    assert [s.mentor for s in queries.suggestions_for(request)] == [mentor_b]


def test_choose_mentor_proposes_and_notifies_the_mentor(alumnus, open_request, mentor):
    proposal = actions.choose_mentor(mentee=alumnus, request=open_request, mentor=mentor)

    assert (proposal.status, proposal.source, proposal.mentor, proposal.mentee) == ("proposed", "self", mentor, alumnus)
    assert proposal.mentee_accepted_at is not None
    assert proposal.mentor_accepted_at is None
    assert (proposal.expires_at - proposal.proposed_at).days == 7
    assert proposal.explanation["mentor"][1] == "2 shared focus areas"
    [text] = [t for t in _texts(mentor) if "would like you" in t]
    assert text.startswith("Alice would like you as their mentor. Please reply by ")


def test_choose_a_mentor_outside_the_suggestions_is_refused(alumnus, open_request, outsider):
    with pytest.raises(ValidationError, match="not available to you"):
        actions.choose_mentor(mentee=alumnus, request=open_request, mentor=outsider)
    assert Mentorship.objects.count() == 0


def test_only_one_pending_ask(alumnus, open_request, proposal, mentor_b):
    with pytest.raises(ValidationError, match="already asked a mentor"):
        actions.choose_mentor(mentee=alumnus, request=open_request, mentor=mentor_b)


def test_someone_else_cannot_choose_on_a_request(alumnus2, open_request, mentor_b):
    with pytest.raises(ValidationError, match="not open"):
        actions.choose_mentor(mentee=mentor_b, request=open_request, mentor=alumnus2)


def test_capacity_is_respected_across_mentees(staff, areas, mentor_b, alumnus, outsider):
    first = ask(alumnus, [areas["grief"]], languages=["en"])
    actions.choose_mentor(mentee=alumnus, request=first, mentor=mentor_b)  # capacity 1
    second = ask(outsider, [areas["grief"]], languages=["en"])

    assert queries.suggestions_for(second) == []
    with pytest.raises(ValidationError):
        actions.choose_mentor(mentee=outsider, request=second, mentor=mentor_b)


def test_mentor_accepts_and_the_mentorship_becomes_active_with_a_private_room(alumnus, mentor, proposal, open_request):
    active = actions.accept_proposal(member=mentor, mentorship=proposal)

    active.refresh_from_db()
    open_request.refresh_from_db()
    assert (active.status, open_request.status) == ("active", "matched")
    room = active.room
    assert room.kind == Room.Kind.MENTORSHIP
    members = Membership.objects.filter(room=room, left_at__isnull=True)
    assert set(members.values_list("user__display_name", flat=True)) == {"Alice", "Bob"}
    assert "You and Bob are matched! Say hello in your private room." in _texts(alumnus)
    assert "You are now mentoring Alice. Say hello in your private room." in _texts(mentor)


def test_accepting_twice_is_refused(mentor, active):
    with pytest.raises(ValidationError, match="no longer waiting"):
        actions.accept_proposal(member=mentor, mentorship=active)


def test_a_third_person_cannot_accept(outsider, proposal):
    with pytest.raises(ValidationError):
        actions.accept_proposal(member=outsider, mentorship=proposal)
    proposal.refresh_from_db()
    assert proposal.status == "proposed"


def test_mentor_declines_and_the_mentee_is_offered_the_next_suggestion(
    alumnus, mentor, mentor_b, proposal, open_request
):
    actions.decline_proposal(member=mentor, mentorship=proposal)

    proposal.refresh_from_db()
    open_request.refresh_from_db()
    assert (proposal.status, open_request.status) == ("declined", "open")
    assert _texts(alumnus)[-1] == ("Bob can't take on a new mentee right now. Your next suggestion is Erin.")
    assert [s.mentor for s in queries.suggestions_for(open_request)] == [mentor_b]


def test_mentee_cancels_an_ask_and_may_ask_again_later(alumnus, mentor, proposal, open_request):
    actions.cancel_ask(mentee=alumnus, mentorship=proposal)

    proposal.refresh_from_db()
    assert proposal.status == "withdrawn"
    assert "Alice withdrew their ask. No action needed." in _texts(mentor)
    assert [s.mentor for s in queries.suggestions_for(open_request)] == [mentor]


def test_withdraw_request_withdraws_the_pending_ask(alumnus, mentor, proposal, open_request):
    actions.withdraw_request(mentee=alumnus, request=open_request)

    proposal.refresh_from_db()
    open_request.refresh_from_db()
    assert (open_request.status, proposal.status) == ("withdrawn", "withdrawn")
    assert "Alice withdrew their mentor request. No action needed." in _texts(mentor)
    with pytest.raises(ValidationError):
        actions.withdraw_request(mentee=alumnus, request=open_request)


def test_cannot_ask_again_while_a_mentorship_is_active(alumnus, areas, active):
    with pytest.raises(ValidationError, match="already have a mentor"):
        ask(alumnus, [areas["anxiety"]])


def test_either_side_ends_no_fault_with_private_feedback(alumnus, mentor, active, areas, mentor_b):
    actions.end_mentorship(member=alumnus, mentorship=active, feedback="We drifted apart, all good.")

    active.refresh_from_db()
    assert (active.status, active.ended_by) == ("ended", alumnus)
    assert active.room.is_locked
    assert list(EndFeedback.objects.values_list("author__display_name", "body")) == [
        ("Alice", "We drifted apart, all good.")
    ]
    assert _texts(mentor)[-1] == "Your mentorship with Alice has ended. Thank you for the time you shared."
    assert "drifted" not in " ".join(_texts(mentor))
    # The mentee may ask again; the pair is not suggested a second time.
    again = ask(alumnus, [areas["anxiety"]])
    assert [s.mentor for s in queries.suggestions_for(again)] == [mentor_b]


def test_mentor_can_end_too(mentor, active):
    actions.end_mentorship(member=mentor, mentorship=active)

    active.refresh_from_db()
    assert (active.status, active.ended_by, EndFeedback.objects.count()) == ("ended", mentor, 0)


def test_ending_twice_or_by_outsider_is_refused(alumnus, outsider, active):
    with pytest.raises(ValidationError):
        actions.end_mentorship(member=outsider, mentorship=active)
    actions.end_mentorship(member=alumnus, mentorship=active)
    with pytest.raises(ValidationError):
        actions.end_mentorship(member=alumnus, mentorship=active)


def test_too_long_feedback_changes_nothing(alumnus, active):
    with pytest.raises(ValidationError, match="2,000"):
        actions.end_mentorship(member=alumnus, mentorship=active, feedback="x" * 2001)
    active.refresh_from_db()
    assert active.status == "active"


def test_blocked_pair_is_never_suggested(staff, alumnus, mentor, open_request):
    actions.block_pair(staff=staff, mentor=mentor, mentee=alumnus)

    assert queries.suggestions_for(open_request) == []


def test_home_section_shows_the_mentorship(alumnus, mentor, active):
    section = queries.home_section(alumnus)

    assert (section["title"], section["template"]) == ("Mentorship", "mentorship/_home_section.html")
    assert [(m.partner, m.my_role) for m in section["mentorships"]] == [(mentor, "mentee")]


def test_home_section_counts_what_waits_on_the_mentor(mentor, proposal):
    assert queries.home_section(mentor)["waiting_on_me"] == 1


@pytest.mark.parametrize("direction", ["mentee blocked mentor", "mentor blocked mentee"])
def test_a_member_block_either_way_keeps_the_pair_apart(alumnus, mentor, open_request, direction):
    from groups.models import Block

    blocker, blocked = (alumnus, mentor) if direction == "mentee blocked mentor" else (mentor, alumnus)
    Block.objects.create(blocker=blocker, blocked=blocked)

    assert queries.suggestions_for(open_request) == []
    with pytest.raises(ValidationError):
        actions.choose_mentor(mentee=alumnus, request=open_request, mentor=mentor)
