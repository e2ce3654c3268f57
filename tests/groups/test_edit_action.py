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
