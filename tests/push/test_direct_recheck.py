"""A queued push about a direct message is checked again as it goes: a block
made, or the author suspended or erased, while it waited in the task queue
drops it (with its stored preview)."""

import uuid

import pytest
from django.utils import timezone

from alumni.privacy import erase_member
from community.models import User
from community.push.models import PushPreview
from groups import actions as chat
from groups.models import Message

from .test_delivery import subscribe

pytestmark = pytest.mark.django_db


def _open_to_rooms(member):
    User.objects.filter(pk=member.pk).update(direct_messages_from="shared_room")
    member.refresh_from_db()


def _ask_later(capture, sender, recipient):
    """A request whose push is queued only when the returned callbacks run."""
    with capture() as callbacks:
        chat.request_direct(sender=sender, recipient=recipient, body="hi, can we talk?")
    return callbacks


def _run(callbacks):
    for callback in callbacks:
        callback()


def test_a_request_push_goes_when_nothing_changed(vapid, push_service, room, alumnus, alumnus2, committed):
    _open_to_rooms(alumnus)
    subscribe(alumnus, push_service, previews=True)

    _run(_ask_later(committed, alumnus2, alumnus))

    assert len(push_service.received) == 1


@pytest.mark.parametrize("change", ["she blocked him", "he blocked her", "he was suspended"])
def test_a_request_push_is_dropped_after_a_block_or_suspension(
    vapid, push_service, room, alumnus, alumnus2, committed, change
):
    _open_to_rooms(alumnus)
    subscribe(alumnus, push_service, previews=True)
    queued = _ask_later(committed, alumnus2, alumnus)
    if change == "she blocked him":
        chat.block_member(member=alumnus, other=alumnus2)
    elif change == "he blocked her":
        chat.block_member(member=alumnus2, other=alumnus)
    else:
        User.objects.filter(pk=alumnus2.pk).update(suspended_at=timezone.now())

    _run(queued)

    assert push_service.received == []
    assert not PushPreview.objects.exists()


@pytest.mark.parametrize("change", ["none", "she blocked him", "he was erased"])
def test_a_message_push_is_checked_as_it_goes(vapid, push_service, room, alumnus, alumnus2, committed, change):
    _open_to_rooms(alumnus)
    _, request, _ = chat.request_direct(sender=alumnus2, recipient=alumnus, body="hi")
    direct = chat.accept_direct_request(member=alumnus, request=request)
    chat.mark_read(member=alumnus, room=direct, message_id=Message.objects.get(room=direct).pk)  # so she is told
    subscribe(alumnus, push_service, previews=True)
    with committed() as queued:
        chat.post_message(author=alumnus2, room=direct, body="are you around?", client_id=uuid.uuid4())
    if change == "she blocked him":
        chat.block_member(member=alumnus, other=alumnus2)
    elif change == "he was erased":
        erase_member(member=alumnus2, password_confirmed=True, keep_messages=True)

    _run(queued)

    assert len(push_service.received) == (1 if change == "none" else 0)
