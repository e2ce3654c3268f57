"""The edit rules live in the action, so views, admin and tasks get them too."""

import uuid

from groups import actions
from groups.models import CrisisAlert, Message


def test_edit_re_screens_in_the_action_too(room, alumnus):
    """The action is the rule's home: views, admin and tasks get it too."""
    posted = actions.post_message(author=alumnus, room=room, body="hi", client_id=uuid.uuid4()).message
    result = actions.edit_message(author=alumnus, room=room, message_id=posted.pk, body="I relapsed and feel hopeless")
    assert [f["tier"] for f in result.private_frames] == ["concern"]
    assert Message.objects.get(pk=posted.pk).crisis_level == "concern"
    assert CrisisAlert.objects.count() == 0


def test_approving_a_held_crisis_message_keeps_its_id_alert_and_reports(room, alumnus, alumnus2, moderator, staff):
    from groups.models import Report, WatchedWord

    actions.add_watched_word(staff=staff, word="casino", action=WatchedWord.Action.HOLD)
    held = actions.post_message(
        author=alumnus, room=room, body="casino night and I want to end my life", client_id=uuid.uuid4()
    ).message
    assert held.status == Message.Status.HELD
    Report.objects.create(message=held, reporter=alumnus2, reason="worried")
    alert = CrisisAlert.objects.get()
    assert alert.message_id == held.pk

    released = actions.approve_held_message(moderator=moderator, message=held)

    alert.refresh_from_db()
    assert (alert.message_id, alert.latest_message_id) == (released.pk, released.pk)
    assert list(Report.objects.values_list("message_id", flat=True)) == [released.pk]
    assert (released.pk, released.client_id, released.status) == (held.pk, held.client_id, "visible")
