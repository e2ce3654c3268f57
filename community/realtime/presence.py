"""Who is online in a room, shared across processes when Redis is configured.

Each open socket is an entry (room, user, channel name) with an expiry that
the client's pings refresh; a process that dies without cleaning up leaves
entries that simply expire. Without Redis (the embedded mode: one process)
the entries live in this process's memory.
"""

import asyncio
import json
import time

import redis
import redis.asyncio
from django.conf import settings

TTL_SECONDS = 75
# Presence's own Redis connections per process. Past them an operation waits
# (up to PRESENCE_WAIT seconds) for one to come free: redis-py's plain pool
# fails at once instead, which lost the presence of hundreds of sockets that
# closed together.
PRESENCE_CONNECTIONS = 16
PRESENCE_WAIT = 20.0


class MemoryPresence:
    def __init__(self):
        self._rooms: dict[int, dict[str, tuple[int, str, float]]] = {}

    async def touch(self, room_id: int, user: dict, channel: str) -> None:
        self._rooms.setdefault(room_id, {})[channel] = (user["id"], user["display_name"], time.time() + TTL_SECONDS)

    async def remove(self, room_id: int, channel: str) -> None:
        self._rooms.get(room_id, {}).pop(channel, None)

    async def online(self, room_id: int) -> list[dict]:
        now = time.time()
        entries = self._rooms.get(room_id, {})
        for channel in [c for c, (_, _, exp) in entries.items() if exp < now]:
            entries.pop(channel, None)
        users = {uid: name for uid, name, _ in entries.values()}
        return [{"id": uid, "display_name": name} for uid, name in sorted(users.items(), key=lambda x: x[1].lower())]


class RedisPresence:
    def __init__(self, url: str, prefix: str):
        self._url = url
        self._prefix = prefix
        self._client = None
        self._loop = None
        # (room id, channel) -> the entry this process last wrote for that
        # socket, so that leaving removes it by value instead of reading the
        # whole room (a thousand entries in a big room, at every leave).
        self._entries: dict[tuple[int, str], str] = {}

    @property
    def _redis(self):
        """An asyncio client belongs to the event loop it was made in: one per loop."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            pool = redis.asyncio.BlockingConnectionPool.from_url(
                self._url, max_connections=PRESENCE_CONNECTIONS, timeout=PRESENCE_WAIT
            )
            self._client = redis.asyncio.Redis(connection_pool=pool)
            self._loop = loop
        return self._client

    def _key(self, room_id: int) -> str:
        # Prefixed like the cache, so installations sharing a Redis stay apart.
        return f"{self._prefix}:presence:{room_id}"

    async def touch(self, room_id: int, user: dict, channel: str) -> None:
        member = json.dumps([user["id"], user["display_name"], channel])
        key = self._key(room_id)
        # Noted before the write: whatever becomes of it, leaving removes it.
        previous = self._entries.get((room_id, channel))
        self._entries[(room_id, channel)] = member
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                if previous is not None and previous != member:
                    pipe.zrem(key, previous)  # the member's name changed since
                pipe.zadd(key, {member: time.time() + TTL_SECONDS})
                pipe.expire(key, TTL_SECONDS * 2)
                await pipe.execute()
        except BaseException:
            # As before the write: a socket whose first touch fails never gets
            # to leave, so no note of it is kept (an entry that did reach Redis
            # expires); a live socket keeps the entry it had.
            if self._entries.get((room_id, channel)) == member:
                if previous is None:
                    del self._entries[(room_id, channel)]
                else:
                    self._entries[(room_id, channel)] = previous
            raise

    async def remove(self, room_id: int, channel: str) -> None:
        key = self._key(room_id)
        member = self._entries.pop((room_id, channel), None)
        if member is not None:
            await self._redis.zrem(key, member)
            return
        for raw in await self._redis.zrange(key, 0, -1):
            if json.loads(raw)[2] == channel:
                await self._redis.zrem(key, raw)

    async def online(self, room_id: int) -> list[dict]:
        key = self._key(room_id)
        now = time.time()
        await self._redis.zremrangebyscore(key, "-inf", now)
        users = {}
        for raw in await self._redis.zrange(key, 0, -1):
            uid, name, _ = json.loads(raw)
            users[uid] = name
        return [{"id": uid, "display_name": name} for uid, name in sorted(users.items(), key=lambda x: x[1].lower())]


_store = None


def store():
    global _store
    if _store is None:
        if settings.REDIS_URL:
            prefix = settings.CACHES["default"].get("KEY_PREFIX", "alumni")
            _store = RedisPresence(settings.REDIS_URL, prefix)
        else:
            _store = MemoryPresence()
    return _store


def reset_for_tests() -> None:
    global _store
    _store = None


def forget_user(member_id: int) -> None:
    """Drop the member's presence entries (user id + display name) at once,
    rather than when their closing sockets get round to it.

    Used by account erasure. Redis is read with its own synchronous client:
    the store's asyncio client belongs to the server's event loop."""
    store_ = store()
    if isinstance(store_, MemoryPresence):
        for entries in store_._rooms.values():
            for channel in [c for c, (uid, _, _) in entries.items() if uid == member_id]:
                entries.pop(channel, None)
        return
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        for key in client.scan_iter(match=store_._key("*"), count=500):
            for raw in client.zrange(key, 0, -1):
                try:
                    uid = json.loads(raw)[0]
                except (ValueError, IndexError, TypeError):
                    continue
                if uid == member_id:
                    client.zrem(key, raw)
    finally:
        client.close()
