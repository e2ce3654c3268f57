"""The crisis loop: who is alerted, acknowledgement, follow-up, escalation."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from community.models import AuditLog, Notification
from groups import actions, tasks
from groups.models import CrisisAlert, CrisisPhrase
from tests.conftest import make_member


@pytest.fixture
def second_moderator(db):
    return make_member("mod2@example.org", "Morgan M", role="moderator")


def crisis_post(author, room, body="I want to end my life"):
    return actions.post_message(author=author, room=room, body=body, client_id=uuid.uuid4())


def alerted(kind="crisis_alert"):
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__display_name", flat=True))


def test_nobody_on_duty_alerts_every_moderator(
    room, alumnus, moderator, second_moderator, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = crisis_post(alumnus, room)
    assert result.private_frames[0]["type"] == "crisis.resources"
    assert alerted() == ["Mo the moderator", "Morgan M", "Sta the staffer"]
    # Crisis alerts are always emailed too.
    assert sorted(m.to[0] for m in mail.outbox) == ["mod2@example.org", "mod@example.org", "staff@example.org"]


def test_on_duty_moderators_are_alerted_first(room, alumnus, moderator, second_moderator):
    actions.set_duty(moderator=second_moderator, on_duty=True)
    crisis_post(alumnus, room)
    assert alerted() == ["Morgan M"]


def test_a_second_crisis_message_does_not_page_again(room, alumnus, moderator):
    crisis_post(alumnus, room)
    crisis_post(alumnus, room, "I'm suicidal")
    assert CrisisAlert.objects.count() == 1
    assert alerted() == ["Mo the moderator", "Sta the staffer"]


def test_acknowledge_then_follow_up_closes_the_alert(room, alumnus, moderator):
    crisis_post(alumnus, room)
    alert = CrisisAlert.objects.get()
    with pytest.raises(ValidationError):
        actions.record_follow_up(moderator=moderator, alert=alert, note="x", resolve=True)
    actions.acknowledge_alert(moderator=moderator, alert=alert)
    with pytest.raises(ValidationError):
        actions.acknowledge_alert(moderator=moderator, alert=alert)
    with pytest.raises(ValidationError):
        actions.record_follow_up(moderator=moderator, alert=alert, note="  ", resolve=True)
    actions.record_follow_up(
        moderator=moderator, alert=alert, note="Called Alice; she is with her sister.", resolve=True
    )
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by_id) == ("resolved", moderator.pk)
    assert "she is with her sister" in alert.follow_up
    assert alert.time_to_acknowledge >= timedelta(0)
    assert list(AuditLog.objects.filter(target_type="crisisalert").values_list("action", flat=True).order_by("id")) == [
        "crisis_alert.acknowledge",
        "crisis_alert.follow_up",
    ]


def test_alumnus_cannot_acknowledge(room, alumnus, alumnus2):
    crisis_post(alumnus, room)
    with pytest.raises(PermissionDenied):
        actions.acknowledge_alert(moderator=alumnus2, alert=CrisisAlert.objects.get())


def test_unacknowledged_alert_escalates_to_everyone_after_ten_minutes(
    room, alumnus, moderator, second_moderator, staff
):
    actions.set_duty(moderator=moderator, on_duty=True)
    crisis_post(alumnus, room)
    alert = CrisisAlert.objects.get()
    assert tasks.escalate_crisis_alerts.call() == 0  # not yet due
    CrisisAlert.objects.filter(pk=alert.pk).update(created_at=timezone.now() - timedelta(minutes=11))

    assert tasks.escalate_crisis_alerts.call() == 1
    assert tasks.escalate_crisis_alerts.call() == 0  # only once

    escalations = Notification.objects.filter(kind="crisis_alert", text__startswith="Escalated")
    assert sorted(escalations.values_list("recipient__display_name", flat=True)) == [
        "Mo the moderator",
        "Morgan M",
        "Sta the staffer",
    ]


def test_acknowledged_alert_does_not_escalate(room, alumnus, moderator):
    crisis_post(alumnus, room)
    alert = CrisisAlert.objects.get()
    actions.acknowledge_alert(moderator=moderator, alert=alert)
    CrisisAlert.objects.filter(pk=alert.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert tasks.escalate_crisis_alerts.call() == 0
    alert.refresh_from_db()
    assert alert.escalated_at is None


def test_staff_crisis_phrase_extends_the_detector(room, alumnus, staff, moderator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_crisis_phrase(staff=staff, phrase="jump* off the bridge", level=CrisisPhrase.Level.CRISIS)
    result = crisis_post(alumnus, room, "thinking about jumping off the bridge tonight")
    assert result.private_frames
    assert result.message.crisis_level == "crisis"


def test_concern_message_brings_its_author_the_support_card_without_an_alert(room, alumnus, moderator):
    result = crisis_post(alumnus, room, "I relapsed last night and I feel so ashamed")
    assert result.message.crisis_level == "concern"
    assert [(f["type"], f["tier"], f["plan_url"]) for f in result.private_frames] == [
        ("crisis.resources", "concern", "/me/safety-plan/card/")
    ]
    assert CrisisAlert.objects.count() == 0
