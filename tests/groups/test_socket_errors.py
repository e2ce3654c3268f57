"""Bad frames get the documented error, change nothing, and the socket stays usable."""

import json

import pytest
from channels.db import database_sync_to_async

from groups.models import Message

from .conftest import send_frame

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "invalid"),
        ("[1, 2, 3]", "invalid"),
        ('"a string"', "invalid"),
        ("{}", "invalid"),
        ('{"type": "no.such.thing"}', "invalid"),
        ('{"type": 42}', "invalid"),
        ('{"type": "message.send", "client_id": "8c1c7f0e-2f4b-4a53-9a3c-0e6a1f0d8e11"}', "invalid"),
        ('{"type": "message.send", "client_id": "8c1c7f0e-2f4b-4a53-9a3c-0e6a1f0d8e11", "body": 5}', "invalid"),
        ('{"type": "message.send", "client_id": "8c1c7f0e-2f4b-4a53-9a3c-0e6a1f0d8e11", "body": "   "}', "invalid"),
        ('{"type": "message.send", "body": "no client id"}', "invalid"),
        ('{"type": "message.edit", "id": "7", "body": "x"}', "invalid"),
        ('{"type": "message.delete", "id": null}', "invalid"),
        ('{"type": "reaction.toggle", "id": 1, "emoji": "🔥"}', "invalid"),
        ('{"type": "history", "before": -1}', "invalid"),
        ('{"type": "history", "limit": 1000}', "invalid"),
        ('{"type": "read", "id": "latest"}', "invalid"),
        ('{"type": "message.edit", "id": 999999, "body": "x"}', "not_found"),
    ],
)
async def test_bad_frame_gets_error_and_changes_nothing(room, alumnus, connect, raw, code):
    alice = await connect(alumnus, room.slug)
    await alice.send_raw(raw)
    error = await alice.recv_type("error")
    assert error["code"] == code
    assert error["detail"]
    assert await database_sync_to_async(Message.objects.count)() == 0
    # Still usable.
    await alice.send(send_frame("still here"))
    assert (await alice.recv_type("message"))["message"]["body"] == "still here"


async def test_body_over_4000_characters_is_too_long(room, alumnus, connect):
    alice = await connect(alumnus, room.slug)
    frame = send_frame("x" * 4001)
    await alice.send(frame)
    error = await alice.recv_type("error")
    assert (error["code"], error["client_id"]) == ("too_long", frame["client_id"])
    assert "4,000" in error["detail"]
    assert await database_sync_to_async(Message.objects.count)() == 0


async def test_body_of_exactly_4000_characters_posts(room, alumnus, connect):
    alice = await connect(alumnus, room.slug)
    await alice.send(send_frame("y" * 4000))
    assert len((await alice.recv_type("message"))["message"]["body"]) == 4000


async def test_frame_over_64_kib_is_refused(room, alumnus, connect):
    alice = await connect(alumnus, room.slug)
    await alice.send_raw(json.dumps(send_frame("z" * 70_000)))
    assert (await alice.recv_type("error"))["code"] == "too_long"
    assert await database_sync_to_async(Message.objects.count)() == 0


async def test_deeply_nested_json_is_invalid_not_a_crash(room, alumnus, connect):
    alice = await connect(alumnus, room.slug)
    await alice.send_raw("[" * 50_000 + "]" * 50_000)
    assert (await alice.recv_type("error"))["code"] in {"invalid", "too_long"}
    await alice.send(send_frame("fine"))
    assert (await alice.recv_type("message"))["message"]["body"] == "fine"


async def test_rate_limit_answers_rate_limited_with_retry_after(room, alumnus, connect, settings):
    settings.RATE_LIMIT_BURST = 3
    settings.RATE_LIMIT_PER_SECOND = 0.5
    alice = await connect(alumnus, room.slug)
    for i in range(3):
        await alice.send(send_frame(f"m{i}"))
        await alice.recv_type("message")
    frame = send_frame("one too many")
    await alice.send(frame)
    error = await alice.recv_type("error")
    assert error["code"] == "rate_limited"
    assert error["client_id"] == frame["client_id"]
    assert 0 < error["retry_after"] <= 6
    assert await database_sync_to_async(Message.objects.count)() == 3
