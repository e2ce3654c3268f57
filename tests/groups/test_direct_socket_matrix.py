"""Who can reach whom, end to end over real sockets: each "who may message me"
setting × the sender's relation × a block (none, or either way). Where the
rules allow it, the request is accepted (a moderator's opens at once) and a
message sent over the sender's socket reaches the recipient's socket; where
they do not, the request is refused and no conversation exists. A block made
after the conversation opened closes it for both.

Alice is the recipient; Bob shares a topic room with her, Mo mentors her,
Charlie (the outsider) shares nothing with her; Riley is a site moderator."""

import uuid

import pytest
from asgiref.sync import sync_to_async
from django.core.exceptions import PermissionDenied

from community.models import User
from groups import actions
from groups.errors import ChatError
from groups.models import Block, Room
from tests.conftest import make_member
from tests.groups.conftest import open_socket

SENDERS = ("roommate", "mentor", "stranger", "moderator")
# fmt: off
REACH = {
    "nobody":      "no  no  no  no",
    "mentors":     "no  yes no  yes",
    "shared_room": "yes yes no  yes",
}
# fmt: on
BLOCKS = ("none", "she blocked them", "they blocked her")


def _cast(room, alumnus2, outsider, moderator, cohort, alumnus):
    mentor = make_member("mo@example.org", "Mo", cohort=cohort)
    actions.create_mentorship_room(mentor=mentor, mentee=alumnus)
    return {"roommate": alumnus2, "mentor": mentor, "stranger": outsider, "moderator": moderator}


def _open(sender, recipient):
    """Reach the recipient as the app would: a request she accepts, or a
    moderator's conversation that opens at once. None when refused."""
    try:
        room, request, _tier = actions.request_direct(sender=sender, recipient=recipient, body="hello from the matrix")
    except (PermissionDenied, ChatError):
        return None
    if room is None and request is not None:
        room = actions.accept_direct_request(member=recipient, request=request)
    return room


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("sender_kind", SENDERS)
@pytest.mark.parametrize("setting", list(REACH))
async def test_reach_over_sockets(room, alumnus, alumnus2, outsider, moderator, cohort, setting, sender_kind, block):
    cast = await sync_to_async(_cast)(room, alumnus2, outsider, moderator, cohort, alumnus)
    sender = cast[sender_kind]
    await User.objects.filter(pk=alumnus.pk).aupdate(direct_messages_from=setting)
    await alumnus.arefresh_from_db()
    moderator_sender = sender_kind == "moderator"
    if block == "she blocked them" and not moderator_sender:  # moderators cannot be blocked
        await sync_to_async(actions.block_member)(member=alumnus, other=sender)
    elif block == "they blocked her":
        await sync_to_async(actions.block_member)(member=sender, other=alumnus)
    blocked = await Block.objects.filter(blocker__in=[alumnus, sender], blocked__in=[alumnus, sender]).aexists()
    allowed = dict(zip(SENDERS, REACH[setting].split(), strict=True))[sender_kind] == "yes" and not blocked

    conversation = await sync_to_async(_open)(sender, alumnus)
    if not allowed:
        assert conversation is None
        assert not await Room.objects.filter(kind=Room.Kind.DIRECT, memberships__user=alumnus).aexists()
        return
    assert conversation is not None
    assert conversation.kind == Room.Kind.DIRECT
    hers = await open_socket(alumnus, conversation.slug)
    theirs = await open_socket(sender, conversation.slug)
    try:
        await theirs.send({"type": "message.send", "client_id": str(uuid.uuid4()), "body": "over the socket"})
        frame = await hers.recv_type("message")
        while frame["message"]["body"] != "over the socket":
            frame = await hers.recv_type("message")
        assert frame["message"]["author"]["id"] == sender.pk
    finally:
        await hers.close()
        await theirs.close()


@pytest.mark.django_db(transaction=True)
async def test_a_block_after_the_conversation_opened_refuses_the_next_message(room, alumnus, alumnus2):
    await User.objects.filter(pk=alumnus.pk).aupdate(direct_messages_from="shared_room")
    await alumnus.arefresh_from_db()
    conversation = await sync_to_async(_open)(alumnus2, alumnus)
    theirs = await open_socket(alumnus2, conversation.slug)
    try:
        await sync_to_async(actions.block_member)(member=alumnus, other=alumnus2)
        await theirs.send({"type": "message.send", "client_id": str(uuid.uuid4()), "body": "still there?"})
        error = await theirs.recv_type("error")
        assert error["code"] == "closed"
    finally:
        await theirs.close()
