"""Storing runs its checks before the room's lock and reads what a moderator
can change meanwhile again under it; a re-send gives its rate-limit count
back; a read marker whose write failed is written later."""

import asyncio
import uuid

import pytest
from channels.db import database_sync_to_async
from django.db import OperationalError

from groups import actions, consumers
from groups.actions import messages, moderation
from groups.errors import ChatError
from groups.models import Membership, Message

db = database_sync_to_async


@pytest.fixture
def first_marker_write_fails(monkeypatch):
    """The socket's first read-marker write fails as a locked database would."""
    real, failures = actions.mark_read_many, [1]

    def flaky(markers):
        if failures[0]:
            failures[0] -= 1
            raise OperationalError("database is locked")
        return real(markers)

    monkeypatch.setattr(consumers.actions, "mark_read_many", flaky)


def _sanction_between_checks_and_lock(monkeypatch, action):
    """Run `action` (a moderator's change, committed) after the send's checks
    passed and before it takes the room's lock, as a busy room would."""
    real = messages._draft

    def draft_then_act(*args, **kwargs):
        draft = real(*args, **kwargs)
        action()
        return draft

    monkeypatch.setattr(messages, "_draft", draft_then_act)


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["mute", "ban", "lock"])
def test_a_change_committed_while_the_send_waited_refuses_it(monkeypatch, room, alumnus, moderator, change):
    def act():
        if change == "mute":
            moderation.mute_member(moderator=moderator, member=alumnus, room=room, minutes=10, reason="cool off")
        elif change == "ban":
            moderation.ban_member(moderator=moderator, member=alumnus, room=room, reason="abuse")
        else:
            moderation.update_room_settings(
                moderator=moderator, room=room, is_locked=True, slow_mode_seconds=0, guidelines="", description=""
            )

    _sanction_between_checks_and_lock(monkeypatch, act)
    seq = type(room).objects.get(pk=room.pk).last_seq
    with pytest.raises(ChatError) as refused:
        actions.post_message(author=alumnus, room=room, body="after the change", client_id=uuid.uuid4())
    assert refused.value.code == {"mute": "muted", "ban": "banned", "lock": "locked"}[change]
    assert not Message.objects.filter(body="after the change").exists()
    assert type(room).objects.get(pk=room.pk).last_seq == seq  # the seq went back with the rollback


@pytest.mark.django_db
def test_a_resend_gives_its_rate_limit_count_back(settings, room, alumnus):
    settings.RATE_LIMIT_BURST = 2
    client_id = uuid.uuid4()
    first = actions.post_message(author=alumnus, room=room, body="one", client_id=client_id)
    again = actions.post_message(author=alumnus, room=room, body="one", client_id=client_id)
    assert first.created
    assert not again.created
    # One stored message and its re-send: a second new message is within the burst of 2.
    assert actions.post_message(author=alumnus, room=room, body="two", client_id=uuid.uuid4()).created


@pytest.mark.django_db
def test_a_resend_in_slow_mode_does_not_restart_the_wait(room, alumnus, moderator):
    moderation.update_room_settings(
        moderator=moderator, room=room, is_locked=False, slow_mode_seconds=30, guidelines="", description=""
    )
    room.refresh_from_db()
    client_id = uuid.uuid4()
    actions.post_message(author=alumnus, room=room, body="one", client_id=client_id)
    # Within the slow-mode wait, the re-send is answered with the stored copy ...
    again = actions.post_message(author=alumnus, room=room, body="one", client_id=client_id)
    assert not again.created
    # ... and a new message is still refused for the first message's wait.
    with pytest.raises(ChatError) as refused:
        actions.post_message(author=alumnus, room=room, body="two", client_id=uuid.uuid4())
    assert refused.value.code == "rate_limited"


@pytest.mark.django_db(transaction=True)
async def test_a_marker_whose_write_failed_is_written_on_retry_and_at_close(
    room, alumnus, alumnus2, connect, monkeypatch, first_marker_write_fails
):
    monkeypatch.setattr(consumers, "READ_EVERY", 0.2)
    ids = []
    for i in range(2):
        result = await db(actions.post_message)(author=alumnus2, room=room, body=f"m{i}", client_id=uuid.uuid4())
        ids.append(result.message.pk)
    alice = await connect(alumnus, room.slug)
    await alice.send({"type": "read", "id": ids[1]})
    assert (await alice.recv_type("error"))["code"] == "unavailable"
    await alice.send({"type": "read", "id": ids[1]})  # the page tries again
    await alice.send({"type": "ping"})
    await alice.recv_type("pong")
    await asyncio.sleep(0.4)
    membership = await db(Membership.objects.get)(room=room, user=alumnus)
    assert membership.last_read_message_id == ids[1]


@pytest.mark.django_db(transaction=True)
async def test_a_marker_whose_write_failed_is_written_at_close(
    room, alumnus, alumnus2, connect, first_marker_write_fails
):
    result = await db(actions.post_message)(author=alumnus2, room=room, body="m", client_id=uuid.uuid4())
    alice = await connect(alumnus, room.slug)
    await alice.send({"type": "read", "id": result.message.pk})
    assert (await alice.recv_type("error"))["code"] == "unavailable"
    await alice.close()
    membership = await db(Membership.objects.get)(room=room, user=alumnus)
    assert membership.last_read_message_id == result.message.pk


@pytest.mark.django_db(transaction=True)
async def test_a_room_socket_holds_its_connect_slot_through_its_resume_backlog(
    room, alumnus, alumnus2, connect, monkeypatch, settings
):
    """With one slot, a second socket's connect work starts only after the
    first socket has sent its resume backlog (not at its accept)."""
    from community import connect_gate

    monkeypatch.setattr(connect_gate, "_gates", connect_gate.weakref.WeakKeyDictionary())
    settings.WS_CONNECTS_AT_ONCE = 1
    await db(actions.post_message)(author=alumnus2, room=room, body="missed", client_id=uuid.uuid4())
    events = []
    real_send_backlog, real_load = consumers.RoomConsumer._send_backlog, consumers._load_room

    async def slow_send_backlog(self, *args, **kwargs):
        events.append("backlog starts")
        await asyncio.sleep(0.3)  # the event loop and the database thread are free meanwhile
        result = await real_send_backlog(self, *args, **kwargs)
        events.append("backlog done")
        return result

    def load(user, slug, *args):
        events.append(f"load {user.pk}")
        return real_load(user, slug, *args)

    monkeypatch.setattr(consumers.RoomConsumer, "_send_backlog", slow_send_backlog)
    monkeypatch.setattr(consumers, "_load_room", load)
    first = asyncio.create_task(connect(alumnus, room.slug, after_seq=0, changes=0))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(connect(alumnus2, room.slug))
    await asyncio.gather(first, second)
    assert events.index(f"load {alumnus2.pk}") > events.index("backlog done")
