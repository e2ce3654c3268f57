"""Mentorship pages: every write view's guard rails and happy path, privacy
of what each side sees, and query counts of the collection pages."""

import pytest
from django.urls import reverse

from community.models import Notification
from mentorship import actions
from mentorship.models import MatchingSettings, MentorProfile, MentorRequest, Mentorship
from tests.conftest import make_member

from .conftest import apply, ask, graduate, make_mentor

GOALS = "Get through my first months back at work."


def login(client, user):
    client.force_login(user)
    client.get("/")  # records the user session (allauth usersessions) up front
    return client


# --- guard rails of every write view ---------------------------------------------------

MEMBER_WRITES = ["mentorship:pause", "mentorship:resume", "mentorship:withdraw", "mentorship:choose"]
MENTORSHIP_WRITES = ["mentorship:accept", "mentorship:decline", "mentorship:cancel", "mentorship:end"]
STAFF_WRITES = ["mentorship:settings", "mentorship:match", "mentorship:publish"]


def _url(name, proposal=None):
    if name in MENTORSHIP_WRITES:
        return reverse(name, args=[proposal.pk])
    return reverse(name)


@pytest.mark.parametrize("name", MEMBER_WRITES + MENTORSHIP_WRITES + STAFF_WRITES)
def test_write_views_reject_get(client, staff, proposal, name):
    login(client, staff)

    assert client.get(_url(name, proposal)).status_code == 405


@pytest.mark.parametrize("name", MEMBER_WRITES + MENTORSHIP_WRITES + STAFF_WRITES)
def test_write_views_require_login(client, proposal, name):
    response = client.post(_url(name, proposal))

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    proposal.refresh_from_db()
    assert proposal.status == "proposed"


@pytest.mark.parametrize("name", MENTORSHIP_WRITES)
def test_mentorship_writes_refuse_the_outsider_and_moderator(client, outsider, moderator, proposal, name):
    for user in (outsider, moderator):
        login(client, user)
        assert client.post(_url(name, proposal)).status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == "proposed"


@pytest.mark.parametrize("name", STAFF_WRITES)
def test_staff_writes_look_missing_to_members(client, alumnus, moderator, name):
    for user in (alumnus, moderator):
        login(client, user)
        assert client.post(_url(name)).status_code == 404


def test_staff_page_looks_missing_to_members(client, moderator):
    login(client, moderator)

    assert client.get(reverse("mentorship:staff")).status_code == 404


def test_outsider_cannot_withdraw_someone_elses_request(client, outsider, open_request):
    login(client, outsider)

    assert client.post(reverse("mentorship:withdraw")).status_code == 404
    open_request.refresh_from_db()
    assert open_request.status == "open"


# --- happy paths ------------------------------------------------------------------------


def _application(areas, **overrides):
    data = {
        "focus_areas": [areas["anxiety"].pk],
        "languages": ["en"],
        "availability": ["tue-evening"],
        "time_zone": "America/Chicago",
        "meeting_preferences": ["chat"],
        "capacity": "2",
        "bio": "Happy to listen.",
        "agree": "on",
    }
    data.update(overrides)
    return data


def test_apply_page_and_post(client, alumnus, areas):
    graduate(alumnus)
    login(client, alumnus)

    page = client.get(reverse("mentorship:apply"))
    response = client.post(reverse("mentorship:apply"), _application(areas))

    assert "crises go to staff" not in page.content.decode()  # the guideline says it in full:
    assert "I will not handle a crisis alone." in page.content.decode()
    assert response.status_code == 302
    assert MentorProfile.objects.get(user=alumnus).status == "pending"


@pytest.mark.parametrize(
    ("override", "error"),
    [
        ({"agree": ""}, "Please agree to the mentor guidelines to apply."),
        ({"capacity": "9"}, "Select a valid choice."),
        ({"availability": []}, "Tick at least one time that usually works for you."),
        ({"languages": []}, "Choose at least one language."),
    ],
)
def test_apply_with_bad_input_shows_the_error_and_changes_nothing(client, alumnus, areas, override, error):
    graduate(alumnus)
    login(client, alumnus)

    response = client.post(reverse("mentorship:apply"), _application(areas, **override))

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not MentorProfile.objects.exists()


def test_apply_too_early_shows_why(client, alumnus, areas):
    login(client, alumnus)

    response = client.post(reverse("mentorship:apply"), _application(areas))

    assert "Mentors graduated at least 6 months ago." in response.content.decode()
    assert not MentorProfile.objects.exists()


def test_request_post_then_index_shows_top_suggestions(client, alumnus, areas, mentor, mentor_b):
    login(client, alumnus)

    response = client.post(
        reverse("mentorship:request"),
        {
            "focus_areas": [areas["anxiety"].pk, areas["work"].pk],
            "goals": GOALS,
            "languages": ["es"],
            "availability": ["tue-evening", "thu-evening"],
            "time_zone": "America/Chicago",
            "meeting_preferences": ["video"],
        },
    )
    page = client.get(reverse("mentorship:index"))

    assert response.status_code == 302
    assert [s.mentor for s in page.context["suggestions"]] == [mentor, mentor_b]
    html = page.content.decode()
    assert "both free Tuesday and Thursday evenings" in html
    assert "Ask Bob to mentor me" in html


def test_request_same_gender_without_gender_is_an_error(client, alumnus, areas):
    login(client, alumnus)

    response = client.post(
        reverse("mentorship:request"),
        {
            "focus_areas": [areas["anxiety"].pk],
            "goals": GOALS,
            "languages": ["es"],
            "availability": ["tue-evening"],
            "time_zone": "America/Chicago",
            "meeting_preferences": ["video"],
            "prefer_same_gender": "on",
        },
    )

    assert response.status_code == 400
    assert "Tell us your gender to ask for a mentor of the same gender." in response.content.decode()
    assert not MentorRequest.objects.exists()


def test_choose_then_mentor_accepts_and_lands_in_the_room(client, alumnus, mentor, open_request):
    login(client, alumnus)
    response = client.post(reverse("mentorship:choose"), {"mentor": mentor.pk})
    mentorship = Mentorship.objects.get()
    assert response.url == mentorship.get_absolute_url()

    login(client, mentor)
    response = client.post(reverse("mentorship:accept", args=[mentorship.pk]))

    mentorship.refresh_from_db()
    assert mentorship.status == "active"
    assert response.url == mentorship.room.get_absolute_url()


@pytest.mark.parametrize("value", ["", "abc", "999999"])
def test_choose_with_bad_mentor_changes_nothing(client, alumnus, open_request, value):
    login(client, alumnus)

    response = client.post(reverse("mentorship:choose"), {"mentor": value}, follow=True)

    assert not Mentorship.objects.exists()
    assert next(str(m) for m in response.context["messages"]) in (
        "Please pick one of your suggested mentors.",
        "That mentor is not available to you right now. Please pick from your suggestions.",
    )


def test_decline_and_cancel_and_withdraw(client, alumnus, mentor, proposal, open_request):
    login(client, mentor)
    client.post(reverse("mentorship:decline", args=[proposal.pk]))
    proposal.refresh_from_db()
    assert proposal.status == "declined"

    login(client, alumnus)
    client.post(reverse("mentorship:withdraw"))
    open_request.refresh_from_db()
    assert open_request.status == "withdrawn"


def test_end_with_feedback(client, alumnus, active):
    login(client, alumnus)

    client.post(reverse("mentorship:end", args=[active.pk]), {"feedback": "Thanks for everything."})

    active.refresh_from_db()
    assert active.status == "ended"
    assert active.feedback.get().body == "Thanks for everything."


def test_pause_and_resume(client, mentor):
    login(client, mentor)

    client.post(reverse("mentorship:pause"))
    assert MentorProfile.objects.get(user=mentor).paused_at is not None
    client.post(reverse("mentorship:resume"))
    assert MentorProfile.objects.get(user=mentor).paused_at is None


def test_staff_approve_and_decline(client, staff, alumnus, outsider, areas):
    for user in (alumnus, outsider):
        graduate(user)
        apply(user, [areas["anxiety"]])
    login(client, staff)

    client.post(reverse("mentorship:decide", args=[alumnus.mentor_profile.pk]), {"decision": "approve"})
    bad = client.post(
        reverse("mentorship:decide", args=[outsider.mentor_profile.pk]),
        {"decision": "decline", "note": ""},
        follow=True,
    )
    client.post(
        reverse("mentorship:decide", args=[outsider.mentor_profile.pk]),
        {"decision": "decline", "note": "Let's talk first."},
    )

    assert "Please add a note for the applicant when declining." in bad.content.decode()
    assert dict(MentorProfile.objects.values_list("user__display_name", "status")) == {
        "Alice": "approved",
        "Charlie": "declined",
    }


def test_staff_settings_bad_weight_changes_nothing(client, staff):
    login(client, staff)

    response = client.post(
        reverse("mentorship:settings"),
        {
            "min_months_since_graduation": "6",
            "response_days": "7",
            "weight_focus": "-2",
            "weight_availability": "2",
            "weight_time_zone": "1",
            "weight_meeting": "1",
            "weight_track": "1",
        },
    )

    assert response.status_code == 400
    assert MatchingSettings.load().weight_focus == 3.0


def test_staff_settings_save(client, staff):
    login(client, staff)

    client.post(
        reverse("mentorship:settings"),
        {
            "min_months_since_graduation": "4",
            "response_days": "5",
            "weight_focus": "4",
            "weight_availability": "2",
            "weight_time_zone": "0",
            "weight_meeting": "1",
            "weight_track": "1",
        },
    )

    s = MatchingSettings.load()
    assert (s.min_months_since_graduation, s.response_days, s.weight_focus, s.weight_time_zone) == (4, 5, 4.0, 0.0)


def test_staff_match_adjust_publish(client, staff, alumnus, mentor, mentor_b, open_request):
    login(client, staff)

    client.post(reverse("mentorship:match"))
    draft = Mentorship.objects.get(status="draft")
    page = client.get(reverse("mentorship:staff"))
    client.post(reverse("mentorship:draft", args=[draft.pk]), {"op": "reassign", "mentor": mentor_b.pk})
    client.post(reverse("mentorship:publish"))

    assert "shared focus: anxiety, work &amp; school" in page.content.decode()
    draft.refresh_from_db()
    assert (draft.mentor, draft.status) == (mentor_b, "proposed")
    assert Notification.objects.filter(recipient=alumnus, kind="match").count() == 1


def test_staff_retire(client, staff, mentor):
    login(client, staff)

    client.post(reverse("mentorship:retire", args=[mentor.mentor_profile.pk]))

    assert MentorProfile.objects.get(user=mentor).status == "retired"


# --- privacy ------------------------------------------------------------------------------


def test_proposed_mentor_sees_reasons_but_not_goals_or_focus(client, mentor, proposal):
    login(client, mentor)

    html = client.get(proposal.get_absolute_url()).content.decode()

    assert "2 shared focus areas" in html
    assert GOALS not in html
    assert "work &amp; school" not in html.lower()


def test_active_mentor_sees_goals(client, mentor, active):
    login(client, mentor)

    html = client.get(active.get_absolute_url()).content.decode()

    assert GOALS in html


def test_mentee_never_sees_the_mentors_gender(client, alumnus, mentor, proposal):
    MentorProfile.objects.filter(user=mentor).update(gender="nonbinary")
    login(client, alumnus)

    html = (
        client.get(proposal.get_absolute_url()).content.decode()
        + client.get(reverse("mentorship:index")).content.decode()
    )

    assert "Non-binary" not in html
    assert "nonbinary" not in html


def test_moderator_and_outsider_cannot_open_a_mentorship(client, moderator, outsider, active):
    for user in (moderator, outsider):
        login(client, user)
        assert client.get(active.get_absolute_url()).status_code == 404


def test_staff_sees_everything_and_feedback(client, staff, alumnus, active):
    actions.end_mentorship(member=alumnus, mentorship=active, feedback="It was lovely.")
    login(client, staff)

    html = client.get(active.get_absolute_url()).content.decode()

    assert GOALS in html
    assert "It was lovely." in html


def test_the_other_side_never_sees_feedback(client, mentor, alumnus, active):
    actions.end_mentorship(member=alumnus, mentorship=active, feedback="It was lovely.")
    login(client, mentor)

    assert "It was lovely." not in client.get(active.get_absolute_url()).content.decode()


def test_home_page_includes_the_section(client, alumnus, active):
    login(client, alumnus)

    html = client.get("/").content.decode()

    assert "Mentorship" in html
    assert "your mentor" in html


# --- query counts of collection pages -----------------------------------------------------


def _mentees_for(mentor, staff, areas, count):
    for i in range(count):
        mentee = make_member(f"q{i}@example.org", f"Mentee {i}")
        request = ask(mentee, [areas["anxiety"]])
        actions.choose_mentor(mentee=mentee, request=request, mentor=mentor)


@pytest.mark.parametrize("count", [1, 3])
def test_index_query_count_does_not_grow_with_mentorships(client, staff, areas, count, django_assert_num_queries):
    bob = make_member("bobby@example.org", "Bobby")
    make_mentor(bob, staff, [areas["anxiety"]], capacity=5)
    _mentees_for(bob, staff, areas, count)
    login(client, bob)

    # session, user, matching settings, own profile, its focus areas, open
    # request, mentorships (with partners and rooms), may-ask checks (open
    # request, active mentorship), unread notification count
    with django_assert_num_queries(10):
        response = client.get(reverse("mentorship:index"))
    assert len(response.context["mentorships"]) == count


@pytest.mark.parametrize("count", [1, 3])
def test_staff_page_query_count_does_not_grow(client, staff, areas, count, django_assert_num_queries):
    for i in range(count):
        user = make_member(f"app{i}@example.org", f"Applicant {i}")
        graduate(user)
        apply(user, [areas["anxiety"]])
        ask(make_member(f"req{i}@example.org", f"Asker {i}"), [areas["work"]])
    login(client, staff)

    # session, user, profiles with load, their focus areas, drafts, open
    # requests, their focus areas, their pending mentorships, matching
    # settings, live mentorships, unread notifications, open crisis alerts
    # (header badge)
    with django_assert_num_queries(12):
        response = client.get(reverse("mentorship:staff"))
    assert len(response.context["applications"]) == count
    assert len(response.context["requests"]) == count
