"""The program's weekly view for staff: who may see it, small cells
suppressed, a CSV of the same table, and a page whose queries do not grow
with the community."""

import csv
import io
import uuid
from datetime import timedelta

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from alumni import program
from alumni.models import ProgramWeek
from groups import actions
from groups.models import CrisisAlert, Message
from recovery.models import CheckIn
from tests.conftest import make_member

pytestmark = pytest.mark.django_db


def members(n, cohort, prefix="m"):
    return [make_member(f"{prefix}{i}@example.org", f"{prefix.title()} {i}", cohort=cohort) for i in range(n)]


def post(author, room, body="hello"):
    actions.post_message(author=author, room=room, body=body, client_id=uuid.uuid4())


def this_week(rows):
    return rows[-1]


def figures():
    """The figures as they will be read next week, when this week has closed."""
    return program.weekly_figures(today=timezone.localdate() + timedelta(days=7))


def move_to_last_week():
    Message.objects.update(created_at=F("created_at") - timedelta(days=7))


@pytest.mark.parametrize(
    ("who", "allowed"), [("anonymous", False), ("alumnus", False), ("moderator", False), ("staff", True)]
)
@pytest.mark.parametrize("url", ["staff_program", "staff_program_csv"])
def test_only_staff_see_the_program(client, request, who, allowed, url):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    response = client.get(reverse(url))
    if allowed:
        assert response.status_code == 200
    else:
        assert response.status_code in (302, 403, 404)
        assert b"Members active" not in response.content


def test_counts_under_five_people_are_suppressed(room, cohort, settings):
    settings.RATE_LIMIT_BURST = 100
    few = members(3, cohort, "few")
    for member in few:
        actions.join_room(member=member, room=room)
        post(member, room)
    row = this_week(figures())
    assert row["active"] == program.SUPPRESSED
    assert row["messages"] == program.SUPPRESSED

    ProgramWeek.objects.all().delete()  # read afresh, as if for the first time
    more = members(3, cohort, "more")
    for member in more:
        actions.join_room(member=member, room=room)
        post(member, room)
        post(member, room, "again")
    row = this_week(figures())
    assert row["active"] == 6
    assert row["messages"] == 9
    assert row["checkins"] == 0  # zero is not a small cell: nobody can be singled out by it


def test_check_ins_and_alerts_count_people_and_the_median_needs_five(room, cohort):
    people = members(6, cohort)
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    for member in people:
        CheckIn.objects.create(member=member, week_start=monday, version="v1")
    now = timezone.now()
    for i, member in enumerate(people[:5]):
        CrisisAlert.objects.create(
            member=member, room=room, source=CrisisAlert.Source.MESSAGE, acknowledged_at=now + timedelta(minutes=i + 1)
        )
    row = this_week(figures())
    assert row["checkins"] == 6
    assert row["active"] == 6
    assert row["alerts"] == 5
    assert row["ack_minutes"] == pytest.approx(3.0, abs=0.1)
    CrisisAlert.objects.filter(member=people[0]).delete()
    # A closed week is kept as first computed: removing one person's rows later
    # cannot be read off by comparing two downloads.
    assert this_week(figures()) == row
    ProgramWeek.objects.all().delete()
    row = this_week(figures())
    assert row["alerts"] == program.SUPPRESSED
    assert row["ack_minutes"] is None


def test_the_week_in_progress_is_not_shown(room, cohort, staff, settings):
    settings.RATE_LIMIT_BURST = 100
    for member in members(6, cohort):
        actions.join_room(member=member, room=room)
        post(member, room)
    rows = program.weekly_figures()
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    assert rows[-1]["week"] == monday - timedelta(days=7)
    assert all(row["messages"] == 0 for row in rows)


def test_the_csv_is_the_same_table_with_suppression(client, staff, room, cohort):
    for member in members(2, cohort):
        actions.join_room(member=member, room=room)
        post(member, room)
    move_to_last_week()
    client.force_login(staff)
    response = client.get(reverse("staff_program_csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "week starting"
    assert len(rows) == 1 + program.WEEKS
    assert rows[-1][1] == "<5"  # members active last week
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


@pytest.mark.parametrize("count", [1, 3])
def test_page_queries_do_not_grow_and_name_nobody(client, staff, room, cohort, count, django_assert_num_queries):
    people = members(count * 5, cohort)
    for member in people:
        actions.join_room(member=member, room=room)
        post(member, room)
    move_to_last_week()
    client.force_login(staff)
    # 1 session, 2 user, 3 the kept weeks; the weeks not kept yet: 4 messages,
    # 5 check-ins, 6 RSVPs, 7 mentorships, 8 alerts, 9 keep them; 10 alumni
    # count, 11-12 the header (unread notifications, open crisis alerts)
    with django_assert_num_queries(12):
        response = client.get(reverse("staff_program"))
    html = response.content.decode()
    assert "Members active" in html
    assert all(member.display_name not in html for member in people)
    # Read again, every week is kept: nothing is computed (6 queries).
    with django_assert_num_queries(6):
        client.get(reverse("staff_program"))


def test_two_person_conversations_are_not_counted(room, cohort, staff, settings):
    settings.RATE_LIMIT_BURST = 100
    people = members(5, cohort)
    mentor, mentee = people[0], people[1]
    private = actions.create_mentorship_room(mentor=mentor, mentee=mentee)
    for _ in range(6):
        post(mentor, private, "just between us")
    assert this_week(figures())["messages"] == 0
