"""Django's Redis cache with one client, and so one connection pool, per
process.

Django keeps a cache backend per context (`caches` is an asgiref Local that is
not thread-critical): under ASGI every request, and every task a socket starts,
gets a new `RedisCache`, a new redis-py pool and a new TCP connection to Redis,
which is never given back (the pool is dropped with the backend, its sockets
left to the garbage collector). A send's rate limit therefore connected to
Redis afresh — a fifth of the time the database thread spent on a message with
PostgreSQL + Redis (bench/results/2026-12-06.analysis.md).

Here every backend with the same servers and options uses one
`RedisCacheClient`: its pool is thread-safe and reconnects after a fork, and
its connections are reused across requests, sockets and threads.
"""

import threading

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.utils.functional import cached_property

_clients: dict[tuple, object] = {}
_lock = threading.Lock()


class RedisCache(DjangoRedisCache):
    @cached_property
    def _cache(self):
        key = (self._class, tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
            return client


def forget_clients() -> None:
    """Drop the shared clients (tests that point the cache elsewhere)."""
    with _lock:
        _clients.clear()
