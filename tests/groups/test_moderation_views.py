"""Moderation pages: access rules, happy paths, bad input, query counts."""

import uuid

import pytest
from django.urls import reverse

from groups import actions
from groups.models import CrisisAlert, Membership, Message, Report, Room, Sanction, WatchedWord


def post(author, room, body="hello"):
    return actions.post_message(author=author, room=room, body=body, client_id=uuid.uuid4()).message


@pytest.fixture
def report(room, alumnus, alumnus2):
    message = post(alumnus2, room, "something unkind")
    return actions.report_message(reporter=alumnus, room=room, message_id=message.pk, reason="harassment")


@pytest.fixture
def alert(room, alumnus):
    post(alumnus, room, "I want to end my life")
    return CrisisAlert.objects.get()


def write_urls(report, alert, room, alumnus2):
    sanction = Sanction.objects.create(member=alumnus2, room=room, kind="mute", reason="x")
    return [
        reverse("moderation:report_action", args=[report.pk]),
        reverse("moderation:held_action", args=[report.message_id]),
        reverse("moderation:crisis_action", args=[alert.pk]),
        reverse("moderation:duty"),
        reverse("moderation:sanction", args=[alumnus2.pk]),
        reverse("moderation:lift", args=[sanction.pk]),
        reverse("moderation:pin", args=[room.slug]),
        reverse("moderation:room_moderators", args=[room.slug]),
        reverse("moderation:word_remove", args=["words", 1]),
        reverse("groups:block", args=[alumnus2.pk]),
    ]


def test_write_views_reject_get(client, report, alert, room, alumnus2, staff):
    client.force_login(staff)
    for url in write_urls(report, alert, room, alumnus2):
        assert client.get(url).status_code == 405, url


def test_write_views_require_login(client, report, alert, room, alumnus2):
    for url in write_urls(report, alert, room, alumnus2):
        response = client.post(url)
        assert response.status_code == 302, url
        assert "/accounts/login/" in response["Location"], url


def test_alumnus_is_refused_every_moderation_page(client, report, alert, room, alumnus, alumnus2):
    client.force_login(alumnus)
    urls = write_urls(report, alert, room, alumnus2)[:-1]  # blocking is for everyone
    for url in urls:
        assert client.post(url, {"action": "resolve", "reason": "x", "kind": "warning"}).status_code in (403, 404), url
    for name, args in [("queue", []), ("crisis", []), ("member", [alumnus2.pk]), ("room", [room.slug]), ("words", [])]:
        assert client.get(reverse(f"moderation:{name}", args=args)).status_code in (403, 404), name
    assert Report.objects.get().status == "open"
    assert CrisisAlert.objects.get().status == "open"
    assert Sanction.objects.filter(kind="warning").count() == 0


def test_room_moderator_sees_only_their_rooms_reports(client, room, staff, alumnus, alumnus2, report):
    other = actions.create_room(creator=staff, name="Other")
    actions.join_room(member=alumnus2, room=other)
    actions.join_room(member=alumnus, room=other)
    other_report = actions.report_message(
        reporter=alumnus, room=other, message_id=post(alumnus2, other, "elsewhere").pk, reason="spam"
    )
    Membership.objects.filter(room=room, user=alumnus).update(role="moderator")
    client.force_login(alumnus)
    response = client.get(reverse("moderation:queue"))
    assert [r.pk for r in response.context["reports"]] == [report.pk]
    assert (
        client.post(reverse("moderation:report_action", args=[other_report.pk]), {"action": "resolve"}).status_code
        == 404
    )


@pytest.mark.parametrize("count", [1, 3])
def test_queue_query_count(client, room, alumnus, alumnus2, moderator, django_assert_num_queries, count):
    WatchedWord.objects.create(word="hold me", action="hold")
    for i in range(count):
        message = post(alumnus2, room, f"report me {i}")
        actions.report_message(reporter=alumnus, room=room, message_id=message.pk, reason="spam")
        post(alumnus2, room, f"hold me {i}")
    client.force_login(moderator)
    # 1 session, 2 user, 3 reports (+message, room, author, claimer),
    # 4 held messages (+room, author), 5 unread notification count,
    # 6 open crisis alerts (header badge)
    with django_assert_num_queries(6):
        response = client.get(reverse("moderation:queue"))
    assert (len(response.context["reports"]), len(response.context["held"])) == (count, count)


def test_resolve_report_through_the_page(client, report, moderator):
    client.force_login(moderator)
    client.post(reverse("moderation:report_action", args=[report.pk]), {"action": "resolve", "note": "Spoke to Bob"})
    report.refresh_from_db()
    assert (report.status, report.resolution_note) == ("resolved", "Spoke to Bob")


def test_bad_action_changes_nothing(client, report, moderator):
    client.force_login(moderator)
    client.post(reverse("moderation:report_action", args=[report.pk]), {"action": "explode"})
    assert Report.objects.get().status == "open"


def test_approve_held_message_through_the_page(client, room, alumnus, moderator):
    WatchedWord.objects.create(word="check this", action="hold")
    held = post(alumnus, room, "check this out")
    client.force_login(moderator)
    client.post(reverse("moderation:held_action", args=[held.pk]), {"action": "approve"})
    released = Message.objects.get(client_id=held.client_id)
    # Released in place (same id, reports and alerts still attached), at the
    # end of the room's sequence so resuming clients receive it.
    assert (released.pk, released.status, released.seq) == (held.pk, "visible", 1)


def test_acknowledge_and_follow_up_through_the_page(client, alert, moderator):
    client.force_login(moderator)
    client.post(reverse("moderation:crisis_action", args=[alert.pk]), {"action": "acknowledge"})
    client.post(
        reverse("moderation:crisis_action", args=[alert.pk]),
        {"action": "follow_up", "note": "Talked by phone", "resolve": "on"},
    )
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by_id) == ("resolved", moderator.pk)
    page = client.get(reverse("moderation:crisis"))
    assert page.context["recent"] == [alert]


def test_mute_through_the_member_page(client, room, alumnus2, moderator):
    client.force_login(moderator)
    response = client.post(
        reverse("moderation:sanction", args=[alumnus2.pk]),
        {"kind": "mute", "room": room.pk, "minutes": 30, "reason": "cool-down"},
    )
    assert response.status_code == 302
    assert Membership.objects.get(room=room, user=alumnus2).is_muted


def test_mute_without_length_is_a_form_error(client, room, alumnus2, moderator):
    client.force_login(moderator)
    response = client.post(
        reverse("moderation:sanction", args=[alumnus2.pk]), {"kind": "mute", "room": room.pk, "reason": "cool-down"}
    )
    assert response.status_code == 400
    assert "minutes" in response.context["form"].errors
    assert not Membership.objects.get(room=room, user=alumnus2).is_muted


def test_moderator_cannot_suspend_through_the_page(client, alumnus2, moderator):
    client.force_login(moderator)
    client.post(reverse("moderation:sanction", args=[alumnus2.pk]), {"kind": "suspension", "reason": "x"})
    alumnus2.refresh_from_db()
    assert not alumnus2.is_suspended


def test_room_settings_page_saves_and_shows_the_log(client, room, moderator):
    client.force_login(moderator)
    response = client.post(
        reverse("moderation:room", args=[room.slug]),
        {"is_locked": "on", "slow_mode_seconds": 5, "description": "", "guidelines": ""},
    )
    assert response.status_code == 302
    assert Room.objects.get(pk=room.pk).is_locked
    log = client.get(reverse("moderation:room", args=[room.slug])).context["log"]
    assert [row.action for row in log] == ["room.settings", "room.create"]


def test_room_settings_bad_input_saves_nothing(client, room, moderator):
    client.force_login(moderator)
    response = client.post(
        reverse("moderation:room", args=[room.slug]), {"slow_mode_seconds": -3, "description": "", "guidelines": ""}
    )
    assert response.status_code == 400
    assert Room.objects.get(pk=room.pk).slow_mode_seconds == 0


def test_word_list_page_is_staff_only(client, staff, moderator):
    client.force_login(moderator)
    assert (
        client.post(reverse("moderation:words"), {"list": "words", "w-word": "x", "w-action": "block"}).status_code
        == 403
    )
    client.force_login(staff)
    client.post(reverse("moderation:words"), {"list": "words", "w-word": "spam link", "w-action": "hold"})
    assert list(WatchedWord.objects.values_list("word", "action")) == [("spam link", "hold")]


def test_block_from_the_page(client, room, alumnus, alumnus2, moderator):
    # Alice and Bob share `room`: she can see him, so she can block him.
    client.force_login(alumnus)
    client.post(reverse("groups:block", args=[alumnus2.pk]))
    assert list(alumnus.blocks_made.values_list("blocked_id", flat=True)) == [alumnus2.pk]
    client.post(reverse("groups:block", args=[moderator.pk]))
    assert alumnus.blocks_made.count() == 1
    client.post(reverse("groups:block", args=[alumnus2.pk]), {"unblock": "1"})
    assert alumnus.blocks_made.count() == 0


def test_duty_toggle(client, moderator, alumnus):
    client.force_login(moderator)
    client.post(reverse("moderation:duty"), {"on_duty": "1"})
    assert moderator.duty.on_duty is True
    client.force_login(alumnus)
    assert client.post(reverse("moderation:duty"), {"on_duty": "1"}).status_code == 403


def test_mentorship_room_reports_reach_site_moderators_only_through_the_report(client, alumnus, alumnus2, moderator):
    mentorship = actions.create_mentorship_room(mentor=alumnus2, mentee=alumnus)
    message = post(alumnus2, mentorship, "something that worries me")
    report = actions.report_message(
        reporter=alumnus, room=mentorship, message_id=message.pk, reason="other", note="not ok"
    )
    client.force_login(moderator)
    assert [r.pk for r in client.get(reverse("moderation:queue")).context["reports"]] == [report.pk]
    assert client.get(mentorship.get_absolute_url()).status_code == 404
    client.post(reverse("moderation:report_action", args=[report.pk]), {"action": "resolve", "note": "Spoke to both"})
    assert Report.objects.get().status == "resolved"


def test_the_console_says_why_a_message_was_flagged(client, room, alumnus, moderator):
    post(alumnus, room, "I have the pills lined up for tonight")
    alert = CrisisAlert.objects.get(member=alumnus)
    client.force_login(moderator)
    card = client.get(reverse("moderation:crisis_card", args=[alert.pk])).content.decode()
    assert "Why flagged: Wording about a plan or the means." in card


def test_the_console_says_when_only_the_classifier_judged_it(client, room, alumnus, moderator, monkeypatch):
    from groups import detection, detector

    monkeypatch.setattr(
        detector.detection,
        "classify",
        lambda text, **kw: detection.Detection(detection.CRISIS, ("classifier",), 0.9),
    )
    post(alumnus, room, "everything is ready for tomorrow")
    alert = CrisisAlert.objects.get(member=alumnus)
    client.force_login(moderator)
    card = client.get(reverse("moderation:crisis_card", args=[alert.pk])).content.decode()
    assert "Why flagged: The classifier, from the message as a whole (no listed crisis phrase)." in card
