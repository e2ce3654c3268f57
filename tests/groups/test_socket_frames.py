"""Edit, delete, reactions, typing, read markers, history, presence, resume."""

import uuid

import pytest
from channels.db import database_sync_to_async

from community.models import Notification
from groups import actions
from groups.models import Membership, Message

from .conftest import send_frame

pytestmark = [pytest.mark.django_db(transaction=True)]


async def post(user, room, body="hello", **kwargs):
    result = await database_sync_to_async(actions.post_message)(
        author=user, room=room, body=body, client_id=uuid.uuid4(), **kwargs
    )
    return result.message


async def test_author_edits_and_everyone_sees_it_marked_edited(room, alumnus, alumnus2, connect):
    message = await post(alumnus, room, "frist")
    alice = await connect(alumnus, room.slug)
    bob = await connect(alumnus2, room.slug)
    await alice.send({"type": "message.edit", "id": message.pk, "body": "first"})
    updated = (await bob.recv_type("message.updated"))["message"]
    assert (updated["id"], updated["body"]) == (message.pk, "first")
    assert updated["edited_at"] is not None
    assert (await database_sync_to_async(Message.objects.get)(pk=message.pk)).body == "first"


async def test_only_the_author_may_edit(room, alumnus, alumnus2, connect):
    message = await post(alumnus, room, "mine")
    bob = await connect(alumnus2, room.slug)
    await bob.send({"type": "message.edit", "id": message.pk, "body": "hijacked"})
    assert (await bob.recv_type("error"))["code"] == "forbidden"
    assert (await database_sync_to_async(Message.objects.get)(pk=message.pk)).body == "mine"


async def test_author_deletes_and_everyone_gets_message_deleted(room, alumnus, alumnus2, connect):
    message = await post(alumnus, room)
    alice = await connect(alumnus, room.slug)
    bob = await connect(alumnus2, room.slug)
    await alice.send({"type": "message.delete", "id": message.pk})
    frame = await bob.recv_type("message.deleted")
    assert (frame["id"], frame["by_moderator"]) == (message.pk, False)


async def test_member_cannot_delete_anothers_message(room, alumnus, alumnus2, connect):
    message = await post(alumnus, room)
    bob = await connect(alumnus2, room.slug)
    await bob.send({"type": "message.delete", "id": message.pk})
    assert (await bob.recv_type("error"))["code"] == "forbidden"
    assert (await database_sync_to_async(Message.objects.get)(pk=message.pk)).deleted_at is None


async def test_moderator_removes_with_reason_and_it_is_audited(room, alumnus, alumnus2, moderator, connect):
    from community.models import AuditLog

    message = await post(alumnus, room, "something unkind")
    mod = await connect(moderator, room.slug)
    bob = await connect(alumnus2, room.slug)
    await mod.send({"type": "message.delete", "id": message.pk, "reason": "harassment"})
    frame = await bob.recv_type("message.deleted")
    assert frame["by_moderator"] is True
    stored = await database_sync_to_async(Message.objects.get)(pk=message.pk)
    assert (stored.body, stored.delete_reason, stored.deleted_by_id) == ("something unkind", "harassment", moderator.pk)
    audit = await database_sync_to_async(AuditLog.objects.get)(action="message.remove")
    assert (audit.actor_id, audit.details["reason"]) == (moderator.pk, "harassment")


async def test_reaction_toggles_on_and_off(room, alumnus, alumnus2, connect):
    message = await post(alumnus, room)
    alice = await connect(alumnus, room.slug)
    bob = await connect(alumnus2, room.slug)
    await bob.send({"type": "reaction.toggle", "id": message.pk, "emoji": "heart"})
    on = await alice.recv_type("reaction")
    assert on == {
        "type": "reaction",
        "id": message.pk,
        "room": room.slug,
        "reactions": [{"emoji": "heart", "count": 1, "users": [alumnus2.pk]}],
        "change": 1,
    }
    await bob.send({"type": "reaction.toggle", "id": message.pk, "emoji": "heart"})
    off = await alice.recv_type("reaction")
    assert off["reactions"] == []


async def test_typing_reaches_others_but_not_the_typist(room, alumnus, alumnus2, connect):
    alice = await connect(alumnus, room.slug)
    bob = await connect(alumnus2, room.slug)
    await alice.send({"type": "typing"})
    assert (await bob.recv_type("typing"))["user"] == {"id": alumnus.pk, "display_name": "Alice"}
    assert await alice.nothing()


async def test_read_moves_the_marker_forward_only(room, alumnus, connect):
    alice = await connect(alumnus, room.slug)
    await alice.send({"type": "read", "id": 50})
    await alice.send({"type": "read", "id": 20})
    await alice.send({"type": "ping"})
    await alice.recv_type("pong")
    membership = await database_sync_to_async(Membership.objects.get)(room=room, user=alumnus)
    assert membership.last_read_message_id == 50


async def test_history_pages_backwards(room, alumnus, connect):
    ids = [(await post(alumnus, room, f"m{i}")).pk for i in range(5)]
    alice = await connect(alumnus, room.slug)
    await alice.send({"type": "history", "before": ids[4], "limit": 2})
    page = await alice.recv_type("history")
    assert [m["id"] for m in page["messages"]] == ids[2:4]
    assert page["has_more"] is True
    await alice.send({"type": "history", "before": ids[2], "limit": 5})
    page = await alice.recv_type("history")
    assert [m["id"] for m in page["messages"]] == ids[:2]
    assert page["has_more"] is False


async def test_resume_sends_missed_messages_in_order_then_live(room, alumnus, alumnus2, connect):
    seen = await post(alumnus2, room, "seen")
    missed = [(await post(alumnus2, room, f"missed {i}")).pk for i in range(3)]
    alice = await connect(alumnus, room.slug, after=seen.pk)
    backlog = [(await alice.recv_type("message"))["message"]["id"] for _ in missed]
    assert backlog == missed
    await post(alumnus2, room, "live")
    assert (await alice.recv_type("message"))["message"]["body"] == "live"


async def test_resume_skips_deleted_messages(room, alumnus, alumnus2, connect):
    first = await post(alumnus2, room, "first")
    gone = await post(alumnus2, room, "gone")
    kept = await post(alumnus2, room, "kept")
    await database_sync_to_async(actions.delete_message)(actor=alumnus2, room=room, message_id=gone.pk)
    alice = await connect(alumnus, room.slug, after=first.pk)
    assert (await alice.recv_type("message"))["message"]["id"] == kept.pk


async def test_presence_lists_who_is_online(room, alumnus, alumnus2, connect):
    alice = await connect(alumnus, room.slug)
    await connect(alumnus2, room.slug)
    while True:
        frame = await alice.recv_type("presence")
        if len(frame["online"]) == 2:
            break
    assert frame["online"] == [{"id": alumnus.pk, "display_name": "Alice"}, {"id": alumnus2.pk, "display_name": "Bob"}]
    assert frame["count"] == 2


async def test_a_big_room_names_the_first_members_and_counts_them_all(room, alumnus, connect, monkeypatch):
    from groups import consumers

    monkeypatch.setattr(consumers, "PRESENCE_NAMES", 3)
    store = consumers.presence.store()
    for i in range(6):
        await store.touch(room.pk, {"id": 10_000 + i, "display_name": f"Member {i}"}, f"elsewhere.{i}")
    alice = await connect(alumnus, room.slug)
    while True:
        frame = await alice.recv_type("presence")
        if frame["count"] == 7:
            break
    assert [u["display_name"] for u in frame["online"]] == ["Alice", "Member 0", "Member 1"]


async def test_crisis_message_posts_and_only_its_author_gets_resources(room, alumnus, alumnus2, moderator, connect):
    alice = await connect(alumnus, room.slug)
    bob = await connect(alumnus2, room.slug)
    await alice.send(send_frame("I don't want to be alive anymore"))
    assert (await bob.recv_type("message"))["message"]["body"] == "I don't want to be alive anymore"
    card = await alice.recv_type("crisis.resources")
    assert "988 Suicide & Crisis Lifeline" in [r["name"] for r in card["resources"]]
    assert await bob.nothing(ignore=("presence", "message"))
    alert = await database_sync_to_async(Notification.objects.get)(recipient=moderator, kind="crisis_alert")
    assert room.name in alert.text


async def test_ordinary_message_gets_no_crisis_card(room, alumnus, connect):
    alice = await connect(alumnus, room.slug)
    await alice.send(send_frame("This workout is killing me"))
    await alice.recv_type("message")
    assert await alice.nothing()


async def test_mention_notifies_the_mentioned_member(room, alumnus, alumnus2, outsider, connect):
    alice = await connect(alumnus, room.slug)
    await alice.send(send_frame("@Bob thanks for yesterday, and @Charlie too"))
    message = (await alice.recv_type("message"))["message"]
    assert '<span class="mention">@Bob</span>' in message["html"]
    notes = await database_sync_to_async(lambda: list(Notification.objects.values_list("recipient_id", "kind")))()
    # Charlie is not in the room: no notification, no highlight.
    assert notes == [(alumnus2.pk, "mention")]


async def test_resume_ends_with_a_resumed_marker(room, alumnus, alumnus2, connect):
    seen = await post(alumnus2, room, "seen")
    missed = await post(alumnus2, room, "missed")
    alice = await connect(alumnus, room.slug, after=seen.pk)
    assert (await alice.recv_type("message"))["message"]["id"] == missed.pk
    assert await alice.recv_type("resumed") == {"type": "resumed", "last_id": missed.pk}


async def test_database_outage_answers_unavailable_and_keeps_the_socket(room, alumnus, connect, monkeypatch):
    from django.db import OperationalError

    alice = await connect(alumnus, room.slug)

    def down(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(actions, "post_message", down)
    frame = {"type": "message.send", "client_id": str(uuid.uuid4()), "body": "during the outage"}
    await alice.send(frame)
    error = await alice.recv_type("error")
    assert (error["code"], error["client_id"]) == ("unavailable", frame["client_id"])
    monkeypatch.undo()
    await alice.send(frame)
    assert (await alice.recv_type("message"))["message"]["body"] == "during the outage"


def test_rate_limiter_allows_when_the_cache_is_down(monkeypatch):
    from community import ratelimit

    def broken(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(ratelimit.cache, "add", broken)
    assert ratelimit.hit("send:1", limit=1, window=10) == 0.0
