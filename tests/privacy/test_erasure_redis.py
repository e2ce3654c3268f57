"""Erasure with Redis behind the channel layer, the cache and presence:
after it, no key and no value in Redis carries the member."""

import asyncio
import json
import uuid

import pytest
from asgiref.sync import sync_to_async

from tests.groups.test_socket_session import open_with_client

from .seed import _login, seed_member_everywhere

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_everything(settings, redis_url):
    """Channel layer, cache and presence on the test Redis, under a prefix of
    this test's own (presence keys take the cache's prefix)."""
    import redis

    from community.realtime import presence

    prefix = f"privacy-test-{uuid.uuid4().hex[:10]}"
    settings.REDIS_URL = redis_url
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [redis_url], "prefix": prefix},
        }
    }
    settings.CACHES = {
        "default": {
            "BACKEND": "community.cache.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
        }
    }
    presence.reset_for_tests()
    client = redis.Redis.from_url(redis_url)
    yield client, prefix
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()


def _values(client, key) -> list[bytes]:
    kind = client.type(key).decode()
    if kind == "string":
        return [client.get(key) or b""]
    if kind == "zset":
        return client.zrange(key, 0, -1)
    if kind == "list":
        return client.lrange(key, 0, -1)
    if kind == "set":
        return list(client.smembers(key))
    if kind == "hash":
        return [k + b"=" + v for k, v in client.hgetall(key).items()]
    return []


def redis_traces(client, prefix, member) -> list[str]:
    keys = list(client.scan_iter(match=f"{prefix}*"))
    key_needles = [f"user.{member.pk}", f"notify.{member.pk}", f"rl:send:{member.pk}:", f":{member.pk}:"]
    value_needles = [member.email.lower(), member.display_name.lower(), json.dumps([member.pk])[:-1] + ","]
    found = []
    for key in keys:
        name = key.decode()
        found += [f"key {name}" for needle in key_needles if needle in name]
        for value in _values(client, key):
            text = value.decode("utf-8", "replace").lower()
            found += [f"{name}: {text[:80]!r}" for needle in value_needles if needle in text]
    return found


async def test_erasure_leaves_no_trace_in_redis(redis_everything, room, alumnus, alumnus2, moderator, staff, outsider):
    from alumni import privacy

    client, prefix = redis_everything
    await sync_to_async(seed_member_everywhere)(
        member=alumnus, bob=alumnus2, moderator=moderator, staff=staff, outsider=outsider, room=room
    )
    laptop, bob = await sync_to_async(_login)(alumnus), await sync_to_async(_login)(alumnus2)
    alice_socket = await open_with_client(laptop, room.slug)
    bob_socket = await open_with_client(bob, room.slug)
    await alice_socket.send({"type": "message.send", "client_id": str(uuid.uuid4()), "body": "Hello from Redis"})
    await alice_socket.recv_type("message")
    before = redis_traces(client, prefix, alumnus)
    assert any("presence" in t for t in before), before
    assert any("rl:send" in t for t in before), before

    await sync_to_async(privacy.erase_member)(member=alumnus, password_confirmed=True, keep_messages=False)

    assert await alice_socket.closed() == 4401
    # What Daphne does after a server-side close: the consumer's disconnect
    # runs and leaves its groups.
    await alice_socket.close()
    for _ in range(200):  # up to 10 s: the disconnect runs on a loaded machine
        left = redis_traces(client, prefix, alumnus)
        if not left:
            break
        await asyncio.sleep(0.05)
    assert left == []
    await bob_socket.close()
