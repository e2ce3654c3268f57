"""Recovery dates and milestones: the dates, the private congratulation
(once, in the member's zone), a new beginning, and sharing to a room."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from community.models import Notification
from groups.models import Message
from recovery import actions, dates
from recovery.models import Milestone, RecoveryDate

pytestmark = pytest.mark.django_db


# --- dates -------------------------------------------------------------------------------


def test_the_milestones_in_order():
    start = date(2025, 1, 31)

    reached = dates.milestones_between(start, date(2027, 2, 1))

    assert reached == [
        ("1d", date(2025, 2, 1)),
        ("1w", date(2025, 2, 7)),
        ("30d", date(2025, 3, 2)),
        ("60d", date(2025, 4, 1)),
        ("90d", date(2025, 5, 1)),
        ("6m", date(2025, 7, 31)),
        ("1y", date(2026, 1, 31)),
        ("2y", date(2027, 1, 31)),
    ]


def test_six_months_from_the_31st_falls_on_the_months_last_day():
    assert dates.add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert dates.add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


def test_next_milestone():
    start = date(2026, 1, 1)

    assert dates.next_milestone(start, start) == ("1d", date(2026, 1, 2))
    assert dates.next_milestone(start, date(2026, 5, 1)) == ("6m", date(2026, 7, 1))
    assert dates.next_milestone(start, date(2028, 3, 1)) == ("3y", date(2029, 1, 1))


# --- actions -----------------------------------------------------------------------------


def congratulations(member) -> list[str]:
    return list(
        Notification.objects.filter(recipient=member, kind=Notification.Kind.MILESTONE).values_list("text", flat=True)
    )


NOON_CHICAGO = datetime(2026, 6, 10, 17, 0, tzinfo=UTC)


def test_a_date_entered_late_records_past_milestones_quietly(alumnus):
    recovery_date = actions.add_recovery_date(
        member=alumnus, label="Alcohol-free", start_date=date(2026, 3, 1), now=NOON_CHICAGO
    )

    assert list(recovery_date.milestones.values_list("key", flat=True)) == ["1d", "1w", "30d", "60d", "90d"]
    assert actions.congratulate_milestones(now=NOON_CHICAGO) == 0
    assert congratulations(alumnus) == []


def test_the_job_congratulates_once_on_the_members_own_day(alumnus):
    evening = datetime(2026, 6, 10, 3, 0, tzinfo=UTC)  # June 9, 22:00 in Chicago (CDT)
    actions.add_recovery_date(member=alumnus, label="Alcohol-free", start_date=date(2026, 6, 9), now=evening)

    # 23:30 on June 9 in Chicago is already June 10 in UTC: not yet a day for Alice.
    assert actions.congratulate_milestones(now=datetime(2026, 6, 10, 4, 30, tzinfo=UTC)) == 0
    assert actions.congratulate_milestones(now=datetime(2026, 6, 10, 5, 0, tzinfo=UTC)) == 1
    assert actions.congratulate_milestones(now=datetime(2026, 6, 10, 6, 0, tzinfo=UTC)) == 0

    assert congratulations(alumnus) == ["1 day: Alcohol-free. That's worth celebrating — this one is yours."]
    assert Notification.objects.get(recipient=alumnus).url == reverse("recovery:milestones")


def test_after_a_pause_only_the_latest_milestone_is_announced(alumnus):
    actions.add_recovery_date(member=alumnus, label="Gambling-free", start_date=date(2026, 6, 10), now=NOON_CHICAGO)

    actions.congratulate_milestones(now=NOON_CHICAGO + timedelta(days=40))

    assert congratulations(alumnus) == ["30 days: Gambling-free. That's worth celebrating — this one is yours."]
    assert set(Milestone.objects.values_list("key", flat=True)) == {"1d", "1w", "30d"}


def test_future_dates_and_blank_labels_are_refused(alumnus):
    with pytest.raises(ValidationError):
        actions.add_recovery_date(member=alumnus, label="x", start_date=date(2026, 6, 11), now=NOON_CHICAGO)
    with pytest.raises(ValidationError):
        actions.add_recovery_date(member=alumnus, label="  ", start_date=date(2026, 6, 1), now=NOON_CHICAGO)
    assert RecoveryDate.objects.count() == 0


def test_a_new_beginning_keeps_the_history_private_and_starts_over(alumnus):
    first = actions.add_recovery_date(
        member=alumnus, label="Alcohol-free", start_date=date(2026, 1, 1), now=NOON_CHICAGO
    )

    fresh = actions.begin_again(member=alumnus, recovery_date=first, start_date=date(2026, 6, 10), now=NOON_CHICAGO)

    first.refresh_from_db()
    assert first.ended_on == date(2026, 6, 10)
    assert fresh.previous == first
    assert fresh.milestones.count() == 0
    assert actions.congratulate_milestones(now=NOON_CHICAGO + timedelta(days=1)) == 1
    assert congratulations(alumnus) == ["1 day: Alcohol-free. That's worth celebrating — this one is yours."]
    with pytest.raises(ValidationError):
        actions.begin_again(member=alumnus, recovery_date=first, start_date=date(2026, 6, 10), now=NOON_CHICAGO)


# --- pages -------------------------------------------------------------------------------


def test_add_a_date_over_http(client, alumnus):
    client.force_login(alumnus)
    start = timezone.localdate() - timedelta(days=45)

    response = client.post(reverse("recovery:date_add"), {"label": "Alcohol-free", "start_date": start.isoformat()})

    assert response.status_code == 302
    body = client.get(reverse("recovery:milestones")).content.decode()
    assert "Alcohol-free" in body
    assert "30 days" in body


def test_add_a_date_refuses_bad_input(client, alumnus):
    client.force_login(alumnus)

    response = client.post(reverse("recovery:date_add"), {"label": "", "start_date": "2999-01-01"})

    assert response.status_code == 400
    assert RecoveryDate.objects.count() == 0


def test_begin_again_over_http_says_it_without_shame(client, alumnus):
    first = actions.add_recovery_date(
        member=alumnus, label="Alcohol-free", start_date=timezone.localdate() - timedelta(days=100)
    )
    client.force_login(alumnus)

    response = client.post(
        reverse("recovery:begin_again", args=[first.pk]), {"start_date": timezone.localdate().isoformat()}, follow=True
    )

    body = response.content.decode()
    assert "A new beginning" in body
    assert "My history" in body
    for word in ("relapse", "failed", "reset your", "lost"):
        assert word not in body.lower().split("<main")[1]


@pytest.mark.parametrize("who", ["alumnus2", "moderator", "staff"])
def test_others_cannot_touch_a_date_or_milestone(client, request, alumnus, room, who):
    first = actions.add_recovery_date(
        member=alumnus, label="Alice-private-label", start_date=timezone.localdate() - timedelta(days=10)
    )
    milestone = first.milestones.first()
    client.force_login(request.getfixturevalue(who))

    assert client.post(reverse("recovery:date_delete", args=[first.pk])).status_code == 404
    assert (
        client.post(reverse("recovery:begin_again", args=[first.pk]), {"start_date": "2026-01-01"}).status_code == 404
    )
    assert client.get(reverse("recovery:milestone_share", args=[milestone.pk])).status_code == 404
    assert client.post(reverse("recovery:milestone_share", args=[milestone.pk]), {"room": room.slug}).status_code == 404
    assert "Alice-private-label" not in client.get(reverse("recovery:milestones")).content.decode()
    assert RecoveryDate.objects.count() == 1
    assert Message.objects.count() == 0


def test_share_a_milestone_to_a_room_posts_a_celebration(client, alumnus, room, django_capture_on_commit_callbacks):
    first = actions.add_recovery_date(
        member=alumnus, label="Alcohol-free", start_date=timezone.localdate() - timedelta(days=31)
    )
    milestone = first.milestones.get(key="30d")
    client.force_login(alumnus)
    form = client.get(reverse("recovery:milestone_share", args=[milestone.pk])).content.decode()
    assert f'value="{room.slug}"' in form
    assert Message.objects.count() == 0  # never automatic

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("recovery:milestone_share", args=[milestone.pk]), {"room": room.slug, "note": "Thank you all."}
        )

    assert response.status_code == 302
    message = Message.objects.get()
    assert (message.author, message.room) == (alumnus, room)
    assert message.body == "🎉 Celebrating 30 days — Alcohol-free!\nThank you all."
    milestone.refresh_from_db()
    assert milestone.shared_at is not None


def test_share_only_to_a_room_the_member_belongs_to(client, alumnus, outsider, staff):
    from groups import actions as chat
    from groups.models import Room

    elsewhere = chat.create_room(creator=staff, name="Elsewhere", slug="elsewhere", kind=Room.Kind.TOPIC)
    chat.join_room(member=outsider, room=elsewhere)
    first = actions.add_recovery_date(
        member=alumnus, label="Alcohol-free", start_date=timezone.localdate() - timedelta(days=2)
    )
    client.force_login(alumnus)

    response = client.post(
        reverse("recovery:milestone_share", args=[first.milestones.first().pk]), {"room": "elsewhere"}
    )

    assert response.status_code == 400
    assert Message.objects.count() == 0


def test_a_locked_room_refuses_with_the_reason_and_posts_nothing(alumnus, room, staff):
    room.is_locked = True
    room.save()
    first = actions.add_recovery_date(
        member=alumnus, label="Alcohol-free", start_date=timezone.localdate() - timedelta(days=2)
    )

    with pytest.raises(ValidationError) as caught:
        actions.share_milestone(member=alumnus, milestone=first.milestones.first(), room=room)
    assert caught.value.message_dict == {"room": ["This room is read-only right now."]}
    assert Message.objects.count() == 0


@pytest.mark.parametrize("count", [1, 3])
def test_milestones_page_queries(client, alumnus, count, django_assert_num_queries):
    for n in range(count):
        actions.add_recovery_date(
            member=alumnus, label=f"Date {n}", start_date=timezone.localdate() - timedelta(days=100 + n)
        )
    client.force_login(alumnus)
    # 1 session, 2 the member, 3 the dates, 4 their milestones (prefetched), 5 unread notifications.
    with django_assert_num_queries(5):
        response = client.get(reverse("recovery:milestones"))
    assert response.content.decode().count('class="card ms-date"') == count


def test_delete_a_date_removes_its_history(client, alumnus):
    first = actions.add_recovery_date(
        member=alumnus, label="Alcohol-free", start_date=timezone.localdate() - timedelta(days=10)
    )
    fresh = actions.begin_again(member=alumnus, recovery_date=first, start_date=timezone.localdate())
    client.force_login(alumnus)

    assert client.get(reverse("recovery:date_delete", args=[fresh.pk])).status_code == 405
    client.post(reverse("recovery:date_delete", args=[fresh.pk]))

    assert RecoveryDate.objects.count() == 0
    assert Milestone.objects.count() == 0


@pytest.mark.parametrize("count", [1, 3])
def test_share_form_queries(client, alumnus, staff, count, django_assert_num_queries):
    from groups import actions as chat
    from groups.models import Room

    for n in range(count):
        room = chat.create_room(creator=staff, name=f"Room {n}", slug=f"room-{n}", kind=Room.Kind.TOPIC)
        chat.join_room(member=alumnus, room=room)
    first = actions.add_recovery_date(
        member=alumnus, label="Alcohol-free", start_date=timezone.localdate() - timedelta(days=2)
    )
    url = reverse("recovery:milestone_share", args=[first.milestones.first().pk])
    client.force_login(alumnus)
    # 1 session, 2 the member, 3 the milestone with its date, 4 the rooms she may
    # post in, 5 unread notifications (header).
    with django_assert_num_queries(5):
        response = client.get(url)
    assert response.content.decode().count('<option value="room-') == count
