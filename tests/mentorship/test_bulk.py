"""Staff bulk matching on real rows: drafts, adjusting, publishing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from community.models import AuditLog, Notification
from mentorship import actions
from mentorship.models import Mentorship
from tests.conftest import make_member

from .conftest import ask, make_mentor


@pytest.fixture
def program(staff, areas, alumnus, mentor, mentor_b):
    """Three mentees: Alice (anxiety, Spanish), Finn (grief, English), Gia
    (Vietnamese only: nobody can mentor her). Bob has room for 2, Erin for 1."""
    finn = make_member("finn@example.org", "Finn")
    gia = make_member("gia@example.org", "Gia")
    ask(alumnus, [areas["anxiety"], areas["work"]])
    ask(finn, [areas["grief"]], languages=["en"])
    ask(gia, [areas["anxiety"]], languages=["vi"])
    return {"alice": alumnus, "finn": finn, "gia": gia, "bob": mentor, "erin": mentor_b}


def _pairs(drafts):
    return sorted((d.mentee.display_name, d.mentor.display_name) for d in drafts)


def test_bulk_matching_makes_optimal_drafts_and_tells_nobody(staff, program):
    drafts = actions.run_bulk_matching(staff=staff)

    assert _pairs(drafts) == [("Alice", "Bob"), ("Finn", "Erin")]
    assert all(d.status == "draft" and d.source == "staff" for d in drafts)
    assert Notification.objects.filter(kind="match").count() == 0
    assert AuditLog.objects.get(action="mentorship.bulk_match").details["drafts"] == 2
    alice = next(d for d in drafts if d.mentee.display_name == "Alice")
    assert alice.explanation["staff"][:3] == [
        "both free Tuesday and Thursday evenings",
        "shared focus: anxiety, work & school",
        "same language: Spanish",
    ]


def test_bulk_matching_again_replaces_drafts(staff, program):
    actions.run_bulk_matching(staff=staff)
    actions.run_bulk_matching(staff=staff)

    assert Mentorship.objects.filter(status="draft").count() == 2


def test_bulk_matching_respects_capacity_and_pending_asks(staff, areas, program):
    # Three more Spanish speakers want Bob (capacity 2); Alice already asked him herself.
    alice_request = program["alice"].mentor_requests.get()
    actions.choose_mentor(mentee=program["alice"], request=alice_request, mentor=program["bob"])
    for i in range(3):
        ask(make_member(f"m{i}@example.org", f"Mentee {i}"), [areas["work"]])

    drafts = actions.run_bulk_matching(staff=staff)

    per_mentor = {}
    for d in drafts:
        per_mentor[d.mentor.display_name] = per_mentor.get(d.mentor.display_name, 0) + 1
    assert per_mentor == {"Bob": 1, "Erin": 1}
    assert "Alice" not in {d.mentee.display_name for d in drafts}


def test_bulk_matching_skips_paused_mentors_and_past_pairs(staff, program):
    actions.pause_mentoring(mentor=program["erin"])

    drafts = actions.run_bulk_matching(staff=staff)

    assert _pairs(drafts) == [("Alice", "Bob"), ("Finn", "Bob")]


def test_mentor_is_never_drafted_for_their_own_request(staff, areas, program):
    ask(program["bob"], [areas["anxiety"]])

    drafts = actions.run_bulk_matching(staff=staff)

    assert all(d.mentor_id != d.mentee_id for d in drafts)


def test_publish_proposes_and_notifies_both_sides(staff, program):
    actions.run_bulk_matching(staff=staff)

    published = actions.publish_drafts(staff=staff)

    assert {m.status for m in published} == {"proposed"}
    alice_text = Notification.objects.filter(recipient=program["alice"], kind="match").get().text
    assert alice_text.startswith("We found a mentor for you: Bob. Please reply by ")
    assert (
        Notification.objects.filter(recipient=program["bob"], kind="match")
        .get()
        .text.startswith("Staff suggest you mentor Alice.")
    )
    assert AuditLog.objects.get(action="mentorship.publish").details == {"proposals": 2}


def test_staff_proposal_needs_both_sides(staff, program):
    actions.run_bulk_matching(staff=staff)
    proposal = next(m for m in actions.publish_drafts(staff=staff) if m.mentee == program["alice"])

    actions.accept_proposal(member=program["bob"], mentorship=proposal)
    proposal.refresh_from_db()
    assert proposal.status == "proposed"
    actions.accept_proposal(member=program["alice"], mentorship=proposal)
    proposal.refresh_from_db()
    assert proposal.status == "active"
    assert proposal.room is not None


def test_publish_is_all_or_nothing(staff, program):
    actions.run_bulk_matching(staff=staff)
    actions.retire_mentor(staff=staff, profile=program["erin"].mentor_profile)
    # Retiring withdrew Erin's draft; re-run and make a draft stale instead.
    actions.run_bulk_matching(staff=staff)
    Mentorship.objects.filter(status="draft", mentee=program["finn"]).update(mentor=program["erin"])

    with pytest.raises(ValidationError, match=r"Nothing was published\. Finn → Erin: the mentor is not available"):
        actions.publish_drafts(staff=staff)
    assert Mentorship.objects.filter(status="proposed").count() == 0
    assert Notification.objects.filter(kind="match", recipient=program["alice"]).count() == 0


def test_publish_refuses_a_request_withdrawn_meanwhile(staff, program):
    actions.run_bulk_matching(staff=staff)
    actions.withdraw_request(mentee=program["alice"], request=program["alice"].mentor_requests.get())

    # Withdrawing took Alice's draft with it; only Finn's remains.
    assert [m.mentee for m in actions.publish_drafts(staff=staff)] == [program["finn"]]


def test_publish_with_no_drafts_is_an_error(staff, program):
    with pytest.raises(ValidationError, match="no draft"):
        actions.publish_drafts(staff=staff)


def test_reassign_checks_filters_and_capacity(staff, program, areas):
    drafts = actions.run_bulk_matching(staff=staff)
    finn = next(d for d in drafts if d.mentee == program["finn"])
    alice = next(d for d in drafts if d.mentee == program["alice"])

    actions.reassign_draft(staff=staff, draft=finn, mentor=program["bob"])
    finn.refresh_from_db()
    assert finn.mentor == program["bob"]
    assert "same language: English" in finn.explanation["staff"]
    # Bob is now full (2 drafts); Erin speaks Spanish and has room.
    actions.reassign_draft(staff=staff, draft=alice, mentor=program["erin"])
    with pytest.raises(ValidationError, match="no capacity left"):
        actions.reassign_draft(staff=staff, draft=finn, mentor=program["erin"])
    with pytest.raises(ValidationError, match="not an available mentor"):
        actions.reassign_draft(staff=staff, draft=finn, mentor=program["gia"])


def test_reassign_refuses_a_language_mismatch(staff, program, areas):
    viet = make_member("viet@example.org", "Vy")
    make_mentor(viet, staff, [areas["grief"]], languages=["vi"])
    drafts = actions.run_bulk_matching(staff=staff)
    finn = next(d for d in drafts if d.mentee == program["finn"])

    with pytest.raises(ValidationError, match="no shared language"):
        actions.reassign_draft(staff=staff, draft=finn, mentor=viet)
    finn.refresh_from_db()
    assert finn.mentor == program["erin"]


def test_discard_draft(staff, program):
    drafts = actions.run_bulk_matching(staff=staff)

    actions.discard_draft(staff=staff, draft=drafts[0])

    assert Mentorship.objects.filter(status="draft").count() == 1
    assert AuditLog.objects.filter(action="mentorship.draft_discard").count() == 1


@pytest.mark.parametrize("who", ["alumnus", "moderator"])
def test_only_staff_run_bulk_matching(request, who, program):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        actions.run_bulk_matching(staff=user)
    with pytest.raises(PermissionDenied):
        actions.publish_drafts(staff=user)


def test_mentees_own_choice_replaces_a_staff_draft(staff, program):
    actions.run_bulk_matching(staff=staff)
    request = program["alice"].mentor_requests.get()

    mine = actions.choose_mentor(mentee=program["alice"], request=request, mentor=program["erin"])

    assert mine.status == "proposed"
    assert not Mentorship.objects.filter(status="draft", mentee=program["alice"]).exists()


def test_expired_staff_proposal_tells_both_sides(staff, program):
    from datetime import timedelta

    from django.utils import timezone

    from mentorship.tasks import expire_stale_requests

    actions.run_bulk_matching(staff=staff)
    actions.publish_drafts(staff=staff)
    Mentorship.objects.filter(status="proposed").update(expires_at=timezone.now() - timedelta(minutes=1))

    assert expire_stale_requests.enqueue().return_value == 2
    assert (
        Notification.objects.filter(recipient=program["alice"])
        .latest("id")
        .text.startswith("A proposed mentorship expired before both of you accepted.")
    )
    assert Notification.objects.filter(recipient=program["bob"]).latest("id").text == (
        "A proposed mentorship expired before both sides accepted."
    )
