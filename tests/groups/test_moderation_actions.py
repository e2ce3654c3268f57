"""Sanctions, reports, room controls and word lists: effects and audit rows."""

import uuid

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from community.models import AuditLog, Notification
from groups import actions
from groups.models import Membership, Report, Room, Sanction


def post(author, room, body="hello"):
    return actions.post_message(author=author, room=room, body=body, client_id=uuid.uuid4()).message


def audit_actions():
    return list(AuditLog.objects.order_by("id").values_list("action", flat=True))


def test_warning_is_private_and_recorded(room, alumnus, moderator):
    actions.warn_member(moderator=moderator, member=alumnus, room=room, reason="Please keep it kind.")
    note = Notification.objects.get(recipient=alumnus)
    assert "private warning" in note.text
    assert "Please keep it kind." in note.text
    assert Sanction.objects.get().kind == "warning"
    assert audit_actions()[-1] == "member.warn"


def test_every_sanction_needs_a_reason(room, alumnus, moderator):
    with pytest.raises(ValidationError):
        actions.mute_member(moderator=moderator, member=alumnus, room=room, minutes=10, reason="  ")
    assert Sanction.objects.count() == 0


@pytest.mark.parametrize("minutes", [0, -5, 60 * 24 * 31, "10"])
def test_mute_length_is_checked(room, alumnus, moderator, minutes):
    with pytest.raises(ValidationError):
        actions.mute_member(moderator=moderator, member=alumnus, room=room, minutes=minutes, reason="x")
    assert Membership.objects.get(room=room, user=alumnus).muted_until is None


def test_alumnus_cannot_sanction(room, alumnus, alumnus2):
    with pytest.raises(PermissionDenied):
        actions.mute_member(moderator=alumnus, member=alumnus2, room=room, minutes=10, reason="x")


def test_moderator_cannot_sanction_staff(room, moderator, staff):
    with pytest.raises(PermissionDenied):
        actions.ban_member(moderator=moderator, member=staff, room=room, reason="x")


def test_room_moderator_cannot_act_in_other_rooms(room, alumnus, alumnus2, staff):
    Membership.objects.filter(room=room, user=alumnus).update(role=Membership.Role.MODERATOR)
    other = actions.create_room(creator=staff, name="Other")
    actions.join_room(member=alumnus2, room=other)
    actions.mute_member(moderator=alumnus, member=alumnus2, room=room, minutes=5, reason="in my room")
    with pytest.raises(PermissionDenied):
        actions.mute_member(moderator=alumnus, member=alumnus2, room=other, minutes=5, reason="not my room")


def test_ban_then_lift_restores_access(room, alumnus, moderator):
    sanction = actions.ban_member(moderator=moderator, member=alumnus, room=room, reason="spam", days=None)
    membership = Membership.objects.get(room=room, user=alumnus)
    assert membership.banned_permanently
    assert membership.is_banned
    actions.lift_sanction(moderator=moderator, sanction=sanction, reason="apologised")
    assert not Membership.objects.get(room=room, user=alumnus).is_banned
    with pytest.raises(ValidationError):
        actions.lift_sanction(moderator=moderator, sanction=sanction, reason="again")
    assert audit_actions()[-2:] == ["member.ban", "member.ban.lift"]


def test_suspension_signs_the_member_out_everywhere(room, alumnus, staff, moderator):
    browser = Client()
    browser.post("/accounts/login/", {"login": "alice@example.org", "password": "correct-horse-battery-7"})
    assert browser.get("/").context["user"].is_authenticated
    assert Session.objects.count() == 1
    with pytest.raises(PermissionDenied):
        actions.suspend_member(staff=moderator, member=alumnus, reason="x")
    actions.suspend_member(staff=staff, member=alumnus, reason="threats")
    assert Session.objects.count() == 0
    assert not browser.get("/").context["user"].is_authenticated
    alumnus.refresh_from_db()
    assert alumnus.is_suspended


def test_report_lifecycle_tells_the_reporter_only_that_it_was_handled(room, alumnus, alumnus2, moderator):
    message = post(alumnus2, room, "mean thing")
    report = actions.report_message(reporter=alumnus, room=room, message_id=message.pk, reason="harassment")
    again = actions.report_message(reporter=alumnus, room=room, message_id=message.pk, reason="harassment")
    assert again.pk == report.pk
    actions.claim_report(moderator=moderator, report=report)
    actions.close_report(moderator=moderator, report=report, note="Warned Bob privately.")
    report.refresh_from_db()
    assert (report.status, report.handled_by_id) == ("resolved", moderator.pk)
    handled = Notification.objects.get(recipient=alumnus, kind="report_handled")
    assert "Warned Bob" not in handled.text
    assert moderator.display_name not in handled.text
    assert not Notification.objects.filter(recipient=alumnus2).exists()
    with pytest.raises(ValidationError):
        actions.close_report(moderator=moderator, report=report, note="twice")


def test_cannot_report_own_message(room, alumnus):
    message = post(alumnus, room)
    with pytest.raises(actions.ChatError):
        actions.report_message(reporter=alumnus, room=room, message_id=message.pk, reason="spam")
    assert Report.objects.count() == 0


def test_room_settings_change_is_audited_and_guidelines_change_asks_again(room, alumnus, moderator):
    Membership.objects.filter(room=room).update(accepted_guidelines_at="2026-01-01T00:00:00Z")
    actions.update_room_settings(
        moderator=moderator,
        room=room,
        is_locked=False,
        slow_mode_seconds=10,
        guidelines="New: be gentle.",
        description="Anxiety support",
    )
    room.refresh_from_db()
    assert (room.slow_mode_seconds, room.guidelines) == (10, "New: be gentle.")
    assert Membership.objects.get(room=room, user=alumnus).accepted_guidelines_at is None
    row = AuditLog.objects.get(action="room.settings")
    assert set(row.details["changed"]) == {"slow_mode_seconds", "guidelines_changed", "description_changed"}


@pytest.mark.parametrize("seconds", [-1, 3601, "5"])
def test_slow_mode_bounds(room, moderator, seconds):
    with pytest.raises(ValidationError):
        actions.update_room_settings(
            moderator=moderator, room=room, is_locked=False, slow_mode_seconds=seconds, guidelines="", description=""
        )
    assert Room.objects.get(pk=room.pk).slow_mode_seconds == 0


def test_pin_only_a_message_of_the_room(room, alumnus, moderator, staff):
    mine = post(alumnus, room, "pin me")
    other_room = actions.create_room(creator=staff, name="Other")
    elsewhere = post(staff, other_room, "not here")
    assert actions.pin_message(moderator=moderator, room=room, message_id=mine.pk).pinned_message_id == mine.pk
    with pytest.raises(ValidationError):
        actions.pin_message(moderator=moderator, room=room, message_id=elsewhere.pk)
    assert actions.pin_message(moderator=moderator, room=room, message_id=None).pinned_message_id is None


def test_staff_appoint_room_moderators(room, alumnus, alumnus2, moderator, staff):
    with pytest.raises(PermissionDenied):
        actions.set_room_moderator(staff=moderator, room=room, member=alumnus, is_moderator=True)
    actions.set_room_moderator(staff=staff, room=room, member=alumnus, is_moderator=True)
    assert Membership.objects.get(room=room, user=alumnus).role == "moderator"
    actions.mute_member(moderator=alumnus, member=alumnus2, room=room, minutes=5, reason="ok")


def test_word_lists_are_staff_only_and_deduplicated(staff, moderator):
    with pytest.raises(PermissionDenied):
        actions.add_watched_word(staff=moderator, word="x", action="block")
    actions.add_watched_word(staff=staff, word="  Bad   Word ", action="block")
    with pytest.raises(ValidationError):
        actions.add_watched_word(staff=staff, word="bad word", action="hold")
    with pytest.raises(ValidationError):
        actions.add_watched_word(staff=staff, word="other", action="explode")


def test_members_cannot_block_moderators(alumnus, moderator, alumnus2):
    with pytest.raises(PermissionDenied):
        actions.block_member(member=alumnus, other=moderator)
    with pytest.raises(ValidationError):
        actions.block_member(member=alumnus, other=alumnus)
    actions.block_member(member=alumnus, other=alumnus2)
