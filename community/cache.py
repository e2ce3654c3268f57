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
from django.core.cache.backends.redis import RedisCacheClient
from django.utils.functional import cached_property

_clients: dict[tuple, object] = {}
_lock = threading.Lock()


class SharedRedisCacheClient(RedisCacheClient):
    """Django's client, safe to share between threads: its pools are made
    under a lock (Django fills them lazily, which is fine for a client of one
    context but could make two pools, and leak one, for a shared client)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pools_lock = threading.Lock()
        self._redis_clients: dict[int, object] = {}

    def _get_connection_pool(self, write):
        with self._pools_lock:
            return super()._get_connection_pool(write)

    def get_client(self, key=None, *, write=False):
        """One redis-py client per pool, kept. Django builds a new one for
        every cache call, and building one (its table of reply parsers) was
        half of what a send's rate limit cost the database thread. A client
        holds no connection of its own between commands, so one serves every
        thread."""
        pool = self._get_connection_pool(write)
        client = self._redis_clients.get(id(pool))
        if client is None:
            with self._pools_lock:
                if any(p is pool for p in self._pools.values()):
                    client = self._redis_clients.setdefault(id(pool), self._client(connection_pool=pool))
                else:  # disconnect() dropped the pool meanwhile: use it once, keep nothing
                    client = self._client(connection_pool=pool)
        return client

    def disconnect(self) -> None:
        with self._pools_lock:
            for pool in self._pools.values():
                pool.disconnect()
            self._pools.clear()
            self._redis_clients.clear()


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedRedisCacheClient

    @cached_property
    def _cache(self):
        key = (self._class, tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
            return client


def forget_clients() -> None:
    """Close and drop the shared clients (tests)."""
    with _lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.disconnect()
