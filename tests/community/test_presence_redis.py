"""Presence on Redis: a socket that leaves removes its own entry, a renamed
member is listed once, and hundreds of sockets coming and going at once wait
for a connection instead of failing — on the real Redis."""

import asyncio
import uuid

import pytest

from community.realtime import presence

pytestmark = pytest.mark.redis


@pytest.fixture
def store(redis_url):
    import redis

    prefix = f"presence-test-{uuid.uuid4().hex[:10]}"
    yield presence.RedisPresence(redis_url, prefix)
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)
    client.close()


def user(n: int, name: str | None = None) -> dict:
    return {"id": n, "display_name": name or f"Member {n:03d}"}


async def test_leaving_removes_only_the_sockets_own_entry(store):
    async def scenario():
        for n in range(1, 51):
            await store.touch(7, user(n), f"socket.{n}")
        await store.touch(7, user(3), "socket.3-second-tab")
        await store.remove(7, "socket.3")
        online = await store.online(7)
        assert len(online) == 50  # member 3 is still here on another tab
        await store.remove(7, "socket.3-second-tab")
        await store.remove(7, "socket.50")
        online = await store.online(7)
        assert [u["id"] for u in online] == [1, 2, *range(4, 50)]
        assert await store._redis.zcard(store._key(7)) == 48
        assert store._entries.keys() == {(7, f"socket.{n}") for n in (*range(1, 3), *range(4, 50))}

    await scenario()


async def test_a_member_renamed_while_online_is_listed_once_and_leaves_cleanly(store):
    await store.touch(7, user(1, "Alex"), "socket.1")
    await store.touch(7, user(1, "Sam"), "socket.1")  # the next ping, after a rename
    assert await store.online(7) == [{"id": 1, "display_name": "Sam"}]
    assert await store._redis.zcard(store._key(7)) == 1
    await store.remove(7, "socket.1")
    assert await store._redis.zcard(store._key(7)) == 0


async def test_an_entry_this_process_never_wrote_is_still_found_by_its_socket(store):
    await store.touch(7, user(1), "socket.1")
    store._entries.clear()  # as if written by an earlier life of this process
    await store.remove(7, "socket.1")
    assert await store._redis.zcard(store._key(7)) == 0


async def test_hundreds_coming_and_going_at_once_wait_for_a_connection(store, monkeypatch):
    monkeypatch.setattr(presence, "PRESENCE_CONNECTIONS", 4)
    await asyncio.gather(*(store.touch(n % 5, user(n), f"socket.{n}") for n in range(400)))
    assert sum([await store._redis.zcard(store._key(room)) for room in range(5)]) == 400
    await asyncio.gather(*(store.remove(n % 5, f"socket.{n}") for n in range(400)))
    assert sum([await store._redis.zcard(store._key(room)) for room in range(5)]) == 0
    pool = store._redis.connection_pool
    assert len(pool._available_connections) + len(pool._in_use_connections) <= 4


async def test_a_touch_that_fails_keeps_no_note_of_its_socket(store, monkeypatch):
    """A socket whose first touch fails never gets to leave (its connect
    failed), so nothing may stay noted for it."""
    import redis.asyncio.client

    await store.touch(7, user(1), "socket.1")

    async def unreachable(self, *args, **kwargs):
        raise ConnectionError("Redis went away")

    monkeypatch.setattr(redis.asyncio.client.Pipeline, "execute", unreachable)
    with pytest.raises(ConnectionError):
        await store.touch(7, user(2), "socket.2")
    assert set(store._entries) == {(7, "socket.1")}
    # A live socket's refresh that fails keeps what it had, to leave by.
    with pytest.raises(ConnectionError):
        await store.touch(7, user(1, "Renamed"), "socket.1")
    monkeypatch.undo()
    await store.remove(7, "socket.1")
    assert await store._redis.zcard(store._key(7)) == 0
