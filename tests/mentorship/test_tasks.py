"""Expiry of unanswered asks and fortnightly check-in prompts: the real task
code through the ImmediateBackend, and the management commands."""

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from community.models import Notification
from mentorship import queries
from mentorship.models import CheckInPrompt, Mentorship
from mentorship.tasks import expire_stale_requests, send_checkin_prompts


def _age(mentorship, **delta):
    Mentorship.objects.filter(pk=mentorship.pk).update(expires_at=timezone.now() - timedelta(**delta))


def test_expiry_leaves_fresh_asks_alone(proposal):
    result = expire_stale_requests.enqueue()

    proposal.refresh_from_db()
    assert (result.return_value, proposal.status) == (0, "proposed")


def test_expired_ask_offers_the_mentee_the_next_suggestion(alumnus, mentor, mentor_b, proposal, open_request):
    _age(proposal, minutes=1)

    result = expire_stale_requests.enqueue()

    proposal.refresh_from_db()
    open_request.refresh_from_db()
    assert (result.return_value, proposal.status, open_request.status) == (1, "expired", "open")
    assert Notification.objects.filter(recipient=alumnus).latest("id").text == (
        "Your mentor ask expired without an answer. Your next suggestion is Erin."
    )
    assert [s.mentor for s in queries.suggestions_for(open_request)] == [mentor_b]


def test_expiry_without_another_mentor_says_staff_will_look(alumnus, mentor, proposal):
    _age(proposal, days=1)

    expire_stale_requests.enqueue()

    assert (
        Notification.objects.filter(recipient=alumnus)
        .latest("id")
        .text.endswith("Staff will look for a mentor for you.")
    )


def test_expiry_runs_once(proposal):
    _age(proposal, minutes=1)

    assert expire_stale_requests.enqueue().return_value == 1
    assert expire_stale_requests.enqueue().return_value == 0


def test_an_expired_proposal_cannot_be_accepted(mentor, proposal):
    import pytest
    from django.core.exceptions import ValidationError

    from mentorship import actions

    _age(proposal, seconds=1)
    with pytest.raises(ValidationError):
        actions.accept_proposal(member=mentor, mentorship=proposal)


def test_expire_command(proposal):
    _age(proposal, minutes=1)
    out = StringIO()

    call_command("expire_mentor_requests", stdout=out)

    assert out.getvalue().strip() == "Expired 1 mentor ask(s)."


def _started(mentorship, days):
    Mentorship.objects.filter(pk=mentorship.pk).update(started_at=timezone.now() - timedelta(days=days))


def test_no_checkin_in_the_first_fortnight(active):
    _started(active, 13)

    assert send_checkin_prompts.enqueue().return_value == 0


def test_checkin_prompt_once_per_fortnight(mentor, alumnus, active):
    _started(active, 15)

    first = send_checkin_prompts.enqueue().return_value
    again = send_checkin_prompts.enqueue().return_value
    _started(active, 29)
    next_fortnight = send_checkin_prompts.enqueue().return_value

    assert (first, again, next_fortnight) == (1, 0, 1)
    assert list(CheckInPrompt.objects.order_by("fortnight").values_list("fortnight", flat=True)) == [1, 2]
    prompts = Notification.objects.filter(recipient=mentor, text__startswith="Time for a check-in")
    assert prompts.count() == 2
    assert prompts.first().url == active.room.get_absolute_url()
    assert not Notification.objects.filter(recipient=alumnus, text__startswith="Time for a check-in").exists()


def test_ended_mentorships_get_no_checkins(alumnus, active):
    from mentorship import actions

    _started(active, 30)
    actions.end_mentorship(member=alumnus, mentorship=active)

    assert send_checkin_prompts.enqueue().return_value == 0


def test_checkin_command(active):
    _started(active, 20)
    out = StringIO()

    call_command("send_mentor_checkins", stdout=out)

    assert out.getvalue().strip() == "Sent 1 check-in prompt(s)."
