"""A check-in summary reaches a mentor only while the member shares it with
them and they are still the member's mentor; nobody else, ever — staff and
moderators included. The role matrix is on the predicates; the rest is over
HTTP (the mentor's page, the member's sharing page, the mentorship page)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from recovery import actions, permissions
from recovery.models import SummaryShare

from .conftest import ALICE_NOTE, checkin_at, make_mentorship

pytestmark = pytest.mark.django_db


# --- the predicates: role x state --------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "shared", "is_mentor", "allowed"),
    [
        ("alumnus", False, False, True),  # the member herself
        ("alumnus2", False, False, False),  # another member
        ("alumnus2", True, False, False),  # a share left from an ended mentorship
        ("alumnus2", False, True, False),  # her mentor, not shared with
        ("alumnus2", True, True, True),  # her mentor, shared with
        ("moderator", False, False, False),
        ("moderator", True, True, True),  # a moderator who is also her mentor: as her mentor
        ("staff", False, False, False),
        ("staff", True, True, False),  # staff never, whatever the rows say
        ("outsider", True, True, True),  # a mentor from another cohort: the relation is what counts
    ],
)
def test_can_view_summary(request, alumnus, who, shared, is_mentor, allowed):
    user = request.getfixturevalue(who)

    assert permissions.can_view_summary(user, alumnus, shared=shared, is_mentor=is_mentor) is allowed


def test_a_suspended_viewer_sees_nothing(alumnus, alumnus2):
    alumnus2.suspended_at = timezone.now()

    assert permissions.can_view_summary(alumnus2, alumnus, shared=True, is_mentor=True) is False


@pytest.mark.parametrize(
    ("who", "is_mentor", "allowed"),
    [
        ("alumnus2", True, True),
        ("alumnus2", False, False),
        ("alumnus", True, False),  # herself
        ("staff", True, False),
        ("moderator", True, True),
    ],
)
def test_can_share_summary_with(request, alumnus, who, is_mentor, allowed):
    viewer = request.getfixturevalue(who)

    assert permissions.can_share_summary_with(alumnus, viewer, is_mentor=is_mentor) is allowed


@pytest.mark.parametrize("who", ["alumnus", "alumnus2", "moderator", "staff"])
def test_only_the_member_views_her_individual_check_ins(request, alumnus, who):
    assert permissions.can_view_checkins(request.getfixturevalue(who), alumnus) is (who == "alumnus")


def test_share_action_refuses_a_non_mentor_and_changes_nothing(alumnus, alumnus2):
    with pytest.raises(Exception, match="mentor"):
        actions.share_summary(member=alumnus, viewer=alumnus2, is_mentor=False)

    assert SummaryShare.objects.count() == 0


# --- over HTTP -------------------------------------------------------------------------------


def summary_url(member) -> str:
    return reverse("shared_summary", args=[member.pk])


def share(client, member, viewer, on=True):
    client.force_login(member)
    return client.post(reverse("checkin_sharing"), {"viewer": viewer.pk, "share": "1" if on else "0"})


def test_mentor_sees_the_summary_once_shared_and_not_after_revoking(client, alumnus, alumnus2, mentorship):
    checkin_at(alumnus, timezone.now(), craving="4")

    client.force_login(alumnus2)
    before = client.get(summary_url(alumnus)).content.decode()
    assert "Alice hasn't shared a check-in summary with you" in before

    assert share(client, alumnus, alumnus2).status_code == 302
    client.force_login(alumnus2)
    body = client.get(summary_url(alumnus)).content.decode()
    assert "<h1>Alice's check-in summary</h1>" in body
    assert 'id="chart-craving-t"' in body
    assert "Checked in 1 of 8 weeks." in body
    # A summary, never the note, the days used or the safety answer.
    assert ALICE_NOTE not in body
    assert "Days you used" not in body
    assert "feel safe" not in body

    share(client, alumnus, alumnus2, on=False)
    client.force_login(alumnus2)
    after = client.get(summary_url(alumnus)).content.decode()
    assert 'id="chart-craving-t"' not in after
    assert SummaryShare.objects.count() == 0


def test_an_ended_mentorship_closes_the_summary_at_once(client, alumnus, alumnus2, mentorship):
    share(client, alumnus, alumnus2)
    mentorship.status = "ended"
    mentorship.save()

    client.force_login(alumnus2)
    assert client.get(summary_url(alumnus)).status_code == 404


def test_a_share_from_an_earlier_mentorship_does_not_come_back_when_matched_again(
    client, alumnus, alumnus2, mentorship
):
    from datetime import timedelta

    from .conftest import make_mentorship

    checkin_at(alumnus, timezone.now(), craving="4")
    share(client, alumnus, alumnus2)
    SummaryShare.objects.update(created_at=timezone.now() - timedelta(days=90))
    mentorship.status = "ended"
    mentorship.ended_at = timezone.now() - timedelta(days=60)
    mentorship.save()
    make_mentorship(alumnus2, alumnus)  # the same pair, months later

    client.force_login(alumnus2)
    body = client.get(summary_url(alumnus)).content.decode()
    assert 'id="chart-craving-t"' not in body
    assert "hasn't shared a check-in summary with you" in body
    # Sharing again, within this mentorship, opens it.
    share(client, alumnus, alumnus2)
    client.force_login(alumnus2)
    assert 'id="chart-craving-t"' in client.get(summary_url(alumnus)).content.decode()


@pytest.mark.parametrize("who", ["outsider", "moderator", "staff"])
def test_nobody_but_the_mentor_reaches_the_summary(client, request, alumnus, alumnus2, mentorship, who):
    checkin_at(alumnus, timezone.now())
    share(client, alumnus, alumnus2)
    client.force_login(request.getfixturevalue(who))

    response = client.get(summary_url(alumnus))

    assert response.status_code == 404
    assert ALICE_NOTE not in response.content.decode()


def test_the_member_cannot_share_with_someone_who_is_not_her_mentor(client, alumnus, outsider, staff):
    for person in (outsider, staff):
        assert share(client, alumnus, person).status_code == 404
    assert SummaryShare.objects.count() == 0


def test_sharing_page_lists_mentors_and_a_former_mentor_to_stop(client, alumnus, alumnus2, outsider, mentorship):
    SummaryShare.objects.create(member=alumnus, viewer=outsider)  # left from an ended mentorship
    client.force_login(alumnus)

    body = client.get(reverse("checkin_sharing")).content.decode()

    assert "Share with Bob" in body
    assert "no longer your mentor" in body
    share(client, alumnus, outsider, on=False)
    assert SummaryShare.objects.count() == 0


def test_the_sharing_page_requires_login_and_refuses_get_writes(client):
    assert client.get(reverse("checkin_sharing")).status_code == 302


def test_mentorship_page_links_each_side(client, alumnus, alumnus2, mentorship):
    client.force_login(alumnus2)
    mentor_view = client.get(reverse("mentorship:detail", args=[mentorship.pk])).content.decode()
    client.force_login(alumnus)
    mentee_view = client.get(reverse("mentorship:detail", args=[mentorship.pk])).content.decode()

    assert f'href="{summary_url(alumnus)}"' in mentor_view
    assert f'href="{reverse("checkin_sharing")}"' in mentee_view
    assert summary_url(alumnus) not in mentee_view


@pytest.mark.parametrize("count", [1, 3])
def test_summary_page_queries(client, alumnus, alumnus2, mentorship, count, django_assert_num_queries):
    for n in range(count):
        checkin_at(alumnus, timezone.now() - timezone.timedelta(weeks=n))
    SummaryShare.objects.create(member=alumnus, viewer=alumnus2)
    client.force_login(alumnus2)
    # 1 session, 2 the viewer, 3 the member, 4 the mentorship, 5 the share,
    # 6 the check-ins of the last 8 weeks, 7 unread notifications (header).
    with django_assert_num_queries(7):
        response = client.get(summary_url(alumnus))
    assert f"Checked in {count} of 8 weeks." in response.content.decode()


@pytest.mark.parametrize("count", [1, 3])
def test_sharing_page_queries(client, alumnus, count, django_assert_num_queries):
    from tests.conftest import make_member

    for n in range(count):
        make_mentorship(make_member(f"m{n}@example.org", f"Mentor {n}"), alumnus)
    client.force_login(alumnus)
    # 1 session, 2 the member, 3 her mentors, 4 her shares, 5 the shares given
    # within the current mentorships, 6 unread notifications.
    with django_assert_num_queries(6):
        response = client.get(reverse("checkin_sharing"))
    assert response.content.decode().count("Share with Mentor") == count
