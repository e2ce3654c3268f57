"""The reach-out: "talk to a moderator now" pages a person (also when an alert
is already open), further crisis messages update the open alert without paging
again, acknowledging opens a private support conversation, moderators label
alerts, and every change reaches the live crisis console."""

import json
import uuid

import pytest
from channels.db import database_sync_to_async
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError

from community.models import AuditLog, Notification
from groups import actions, permissions
from groups.models import CrisisAlert, Membership, Room
from tests.community.test_notification_socket import open_notifications

from .conftest import send_frame


def crisis_post(author, room, body="I want to end my life"):
    return actions.post_message(author=author, room=room, body=body, client_id=uuid.uuid4())


def paged(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__display_name", flat=True))


@pytest.mark.django_db
class TestRequest:
    def test_request_pages_the_on_duty_moderator_and_says_so(self, room, alumnus, moderator, staff):
        actions.set_duty(moderator=moderator, on_duty=True)
        alert = actions.request_moderator(member=alumnus, room=room)
        assert (alert.urgent, alert.source, alert.paged) == (True, "request", 1)
        assert paged("moderator_request") == ["Mo the moderator"]
        assert actions.requested_text(alert.paged).startswith("The moderator on duty has been paged")

    def test_request_with_an_open_alert_raises_it_to_urgent_and_pages_again(self, room, alumnus, moderator, staff):
        crisis_post(alumnus, room)
        assert paged("moderator_request") == []
        alert = actions.request_moderator(member=alumnus, room=room)
        assert CrisisAlert.objects.count() == 1
        stored = CrisisAlert.objects.get()
        assert (stored.pk, stored.urgent, stored.activity_count) == (alert.pk, True, 2)
        assert stored.requested_at is not None
        assert paged("moderator_request") == ["Mo the moderator", "Sta the staffer"]
        assert alert.paged == 2

    def test_a_further_crisis_message_moves_the_alert_up_without_paging(self, room, alumnus, moderator):
        first = crisis_post(alumnus, room).message
        alert = CrisisAlert.objects.get()
        second = crisis_post(alumnus, room, "I have the pills lined up").message
        alert.refresh_from_db()
        assert (alert.message_id, alert.latest_message_id, alert.activity_count) == (first.pk, second.pk, 2)
        assert alert.last_activity_at >= alert.created_at
        assert Notification.objects.filter(kind="crisis_alert").count() == 2  # moderator + staff, once

    def test_one_open_alert_per_member_is_a_database_rule(self, room, alumnus):
        crisis_post(alumnus, room)
        with pytest.raises(IntegrityError):
            CrisisAlert.objects.create(member=alumnus, room=room, source="message")

    def test_an_inactive_account_cannot_request(self, room, alumnus):
        alumnus.is_active = False
        alumnus.save(update_fields=["is_active"])
        with pytest.raises(PermissionDenied):
            actions.request_moderator(member=alumnus, room=room)


@pytest.mark.django_db
class TestAcknowledge:
    def test_acknowledging_opens_a_private_support_conversation(self, room, alumnus, alumnus2, moderator):
        crisis_post(alumnus, room)
        alert = actions.acknowledge_alert(moderator=moderator, alert=CrisisAlert.objects.get())
        support = alert.support_room
        assert support.kind == Room.Kind.SUPPORT
        members = dict(Membership.objects.filter(room=support, left_at__isnull=True).values_list("user_id", "role"))
        assert members == {alumnus.pk: "member", moderator.pk: "moderator"}
        told = Notification.objects.get(recipient=alumnus, kind="support")
        assert told.text == "Mo the moderator has seen your message and opened a private conversation with you."
        assert told.url == support.get_absolute_url()
        assert list(
            AuditLog.objects.filter(action__in=["support_room.open", "crisis_alert.acknowledge"])
            .order_by("pk")
            .values_list("action", flat=True)
        ) == [
            "support_room.open",
            "crisis_alert.acknowledge",
        ]
        # Nobody else sees it: not another member (nor another moderator, below).
        assert not permissions.can_read_room(alumnus2, support, permissions.get_membership(alumnus2, support))
        assert support not in Room.objects.visible_to(alumnus2)

    def test_other_moderators_see_it_only_after_joining_from_the_alert(self, room, alumnus, moderator, staff):
        crisis_post(alumnus, room)
        alert = actions.acknowledge_alert(moderator=moderator, alert=CrisisAlert.objects.get())
        support = alert.support_room
        assert not permissions.can_read_room(staff, support, permissions.get_membership(staff, support))
        assert support not in Room.objects.visible_to(staff)
        actions.join_support_conversation(moderator=staff, alert=alert)
        assert permissions.can_read_room(staff, support, permissions.get_membership(staff, support))
        assert AuditLog.objects.filter(action="support_room.join", actor=staff).count() == 1

    def test_a_member_cannot_join_a_support_conversation(self, room, alumnus, alumnus2, moderator):
        crisis_post(alumnus, room)
        alert = actions.acknowledge_alert(moderator=moderator, alert=CrisisAlert.objects.get())
        with pytest.raises(PermissionDenied):
            actions.join_support_conversation(moderator=alumnus2, alert=alert)
        assert not Membership.objects.filter(room=alert.support_room, user=alumnus2).exists()


@pytest.mark.django_db
class TestLabels:
    def test_label_keeps_the_text_and_feeds_the_precision_figure(self, room, alumnus, alumnus2, moderator):
        crisis_post(alumnus, room, "I want to kill myself")
        crisis_post(alumnus2, room, "I want to end my life tonight")
        first, second = CrisisAlert.objects.order_by("pk")
        actions.label_alert(moderator=moderator, alert=first, label="crisis")
        actions.label_alert(moderator=moderator, alert=second, label="false_alarm")
        first.refresh_from_db()
        assert (first.label, first.labelled_by_id, first.labelled_text) == (
            "crisis",
            moderator.pk,
            "I want to kill myself",
        )
        assert actions.detector_precision() == {"labelled": 2, "real": 1, "precision": 0.5}

    def test_only_moderators_label_and_only_known_labels(self, room, alumnus, alumnus2, moderator):
        crisis_post(alumnus, room)
        alert = CrisisAlert.objects.get()
        with pytest.raises(PermissionDenied):
            actions.label_alert(moderator=alumnus2, alert=alert, label="crisis")
        with pytest.raises(Exception, match="Choose real crisis"):
            actions.label_alert(moderator=moderator, alert=alert, label="maybe")
        alert.refresh_from_db()
        assert alert.label == ""


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_console_hears_a_new_alert_live_and_members_do_not(room, alumnus, alumnus2, moderator, connect):
    console, ok, _ = await open_notifications(moderator)
    bystander, ok_b, _ = await open_notifications(alumnus2)
    assert ok
    assert ok_b
    alice = await connect(alumnus, room.slug)
    await alice.send(send_frame("I can't keep going, I just want it all to stop"))
    while True:
        frame = json.loads(await console.receive_from(timeout=5))
        if frame["type"] == "crisis.alert":
            break
    assert frame["open_count"] == 1
    assert (frame["alert"]["member"]["display_name"], frame["alert"]["status"]) == ("Alice", "open")
    assert frame["alert"]["excerpt"] == "I can't keep going, I just want it all to stop"
    # Alice asks for a person: the same alert, now urgent, on the console at once.
    await alice.send({"type": "moderator.request"})
    told = await alice.recv_type("moderator.requested")
    assert "paged" in told["text"]
    while True:
        frame = json.loads(await console.receive_from(timeout=5))
        if frame["type"] == "crisis.alert":
            break
    assert (frame["alert"]["urgent"], frame["alert"]["activity_count"]) == (True, 2)
    # A member's notification socket never carries console frames.
    await bystander.send_to(text_data="{}")
    assert await bystander.receive_nothing(timeout=0.3)
    alert_id = frame["alert"]["id"]
    await database_sync_to_async(actions.acknowledge_alert)(
        moderator=moderator, alert=await database_sync_to_async(CrisisAlert.objects.get)(pk=alert_id)
    )
    while True:
        frame = json.loads(await console.receive_from(timeout=5))
        if frame["type"] == "crisis.alert":
            break
    assert (frame["alert"]["status"], frame["alert"]["acknowledged_by"], frame["open_count"]) == (
        "acknowledged",
        "Mo the moderator",
        0,
    )
    await console.disconnect()
    await bystander.disconnect()


@pytest.mark.django_db
def test_the_console_offers_join_only_to_moderators_not_in_the_conversation(client, room, alumnus, moderator, staff):
    crisis_post(alumnus, room)
    alert = actions.acknowledge_alert(moderator=moderator, alert=CrisisAlert.objects.get())
    card = f"/moderation/crisis/{alert.pk}/card/"
    client.force_login(moderator)
    assert b"Join the conversation" not in client.get(card).content
    client.force_login(staff)
    assert b"Join the conversation" in client.get(card).content
