"""The Redis cache keeps one client per process (community.cache): Django makes
a cache backend per context, so without it every request and every socket task
opened a connection of its own to Redis."""

import asyncio
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from community import cache as shared_cache
from community import ratelimit


def _redis_caches(settings, url, backend):
    settings.CACHES = {
        "default": {
            "BACKEND": backend,
            "LOCATION": url,
            "KEY_PREFIX": f"cache-client-test-{uuid.uuid4().hex[:8]}",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    shared_cache.forget_clients()


async def _backends_of_tasks(count: int) -> list:
    """caches['default'] as seen by `count` tasks, each in a context of its own
    (as requests and socket tasks are)."""

    async def one():
        return caches["default"]

    return await asyncio.gather(*(asyncio.create_task(one()) for _ in range(count)))


def test_django_makes_a_backend_per_context(settings):
    """Why the shared client exists: with Django's own class, two tasks get two
    backends with two clients (two pools). If this stops being true, the
    shared client is no longer needed."""
    _redis_caches(settings, "redis://127.0.0.1:6379/1", "django.core.cache.backends.redis.RedisCache")
    first, second = asyncio.run(_backends_of_tasks(2))
    assert first is not second
    assert first._cache is not second._cache


def test_backends_of_every_context_share_one_client(settings):
    _redis_caches(settings, "redis://127.0.0.1:6379/1", "community.cache.RedisCache")
    backends = asyncio.run(_backends_of_tasks(20))
    assert len({id(b) for b in backends}) == 20  # Django's per-context backends, as before
    assert len({id(b._cache) for b in backends}) == 1
    assert isinstance(backends[0], DjangoRedisCache)  # the rate limiter's Redis path applies


def test_different_servers_get_different_clients(settings):
    _redis_caches(settings, "redis://127.0.0.1:6379/1", "community.cache.RedisCache")
    (one,) = asyncio.run(_backends_of_tasks(1))
    _redis_caches(settings, "redis://127.0.0.1:6379/2", "community.cache.RedisCache")
    (other,) = asyncio.run(_backends_of_tasks(1))
    assert one._cache is not other._cache
    assert other._cache._servers == ["redis://127.0.0.1:6379/2"]


@pytest.mark.redis
def test_rate_limit_hits_from_many_tasks_reuse_connections(settings, redis_url):
    """Forty sends' rate limits, each from a task of its own through the
    database thread, as the socket's send path does: the count is right and
    the process opened a connection or two to Redis, not forty."""
    _redis_caches(settings, redis_url, "community.cache.RedisCache")
    key = f"test-shared-{uuid.uuid4().hex[:8]}"
    now = 1_000_000.0  # window 16,666 of 60 s

    async def main():
        async def send():
            wait = await sync_to_async(ratelimit.hit)(key, limit=1000, window=60, now=now)
            return wait, caches["default"]

        return await asyncio.gather(*(asyncio.create_task(send()) for _ in range(40)))

    outcomes = asyncio.run(main())
    backend = outcomes[0][1]
    clients = {id(b._cache): b._cache for _, b in outcomes}
    try:
        assert [wait for wait, _ in outcomes] == [0.0] * 40
        assert backend.get(f"rl:{key}:16666") == 40
        opened = sum(c._get_connection_pool(True)._created_connections for c in clients.values())
        assert 1 <= opened <= 2, f"{opened} connections to Redis for 40 rate-limit checks"
    finally:
        backend.delete(f"rl:{key}:16666")
        shared_cache.forget_clients()
        for c in clients.values():
            c._get_connection_pool(True).disconnect()


def test_one_redis_client_is_kept_per_pool(settings):
    """Django builds a redis-py client for every cache call; the shared client
    keeps one (building it was half of a send's rate-limit cost)."""
    _redis_caches(settings, "redis://127.0.0.1:6379/1", "community.cache.RedisCache")
    (backend,) = asyncio.run(_backends_of_tasks(1))
    client = backend._cache
    first = client.get_client("a", write=True)
    assert client.get_client("b", write=True) is first
    assert first.connection_pool is client._get_connection_pool(True)
    client.disconnect()
    assert client.get_client("a", write=True) is not first
    shared_cache.forget_clients()
