"""Page views on long-lived threads (community.asgi_http): requests reuse a
fixed pool of threads and their database connections, one request per
thread at a time; when all are busy the next request waits, and none is lost."""

import asyncio
import threading
import time

import pytest
from django.core.signals import request_started
from django.db import connection

from community.asgi_http import PooledThreadsHandler

pytestmark = pytest.mark.django_db(transaction=True)


async def _get(app, path="/accounts/login/"):
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 443),
    }
    sent = []
    request_done = asyncio.Event()

    async def receive():
        if not request_done.is_set():
            request_done.set()
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # no disconnect: wait until cancelled

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"]


@pytest.fixture
def record(settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    seen = []

    def started(**kwargs):
        # Sync receivers run on the request's thread.
        connection.ensure_connection()
        seen.append((threading.get_ident(), id(connection.connection)))

    request_started.connect(started)
    yield seen
    request_started.disconnect(started)


def test_requests_reuse_the_same_thread_and_connection(record):
    app = PooledThreadsHandler(threads=1)

    async def run():
        return [await _get(app) for _ in range(5)]

    assert asyncio.run(run()) == [200] * 5
    assert len(record) == 5
    assert len({thread for thread, _ in record}) == 1, "one thread served all five"
    if connection.vendor == "sqlite":
        # ... keeping its connection (on PostgreSQL each request takes one
        # from the process's pool and gives it back).
        assert len({conn for _, conn in record}) == 1, "one connection served all five"
    assert record[0][0] != threading.get_ident()  # not the event loop's thread


def test_concurrent_requests_share_the_pool_one_per_thread(record):
    app = PooledThreadsHandler(threads=2)
    in_flight = []
    lock = threading.Lock()
    running = [0]

    def slow(**kwargs):
        with lock:
            running[0] += 1
            in_flight.append(running[0])
        time.sleep(0.2)
        with lock:
            running[0] -= 1

    request_started.connect(slow)
    try:

        async def run():
            return await asyncio.gather(*(_get(app) for _ in range(5)))

        started = time.monotonic()
        statuses = asyncio.run(run())
        took = time.monotonic() - started
    finally:
        request_started.disconnect(slow)
    assert statuses == [200] * 5  # none lost: the extra requests waited
    assert max(in_flight) == 2  # never more than the pool at once ...
    assert len({thread for thread, _ in record}) == 2  # ... on exactly its two threads
    assert took >= 0.55  # five requests of 0.2 s on two threads: three rounds


def test_a_pool_needs_a_thread():
    with pytest.raises(ValueError, match="at least one thread"):
        PooledThreadsHandler(threads=0)


def test_the_application_serves_pages_through_the_pool(settings):
    from alumni.asgi import django_asgi_app

    assert isinstance(django_asgi_app, PooledThreadsHandler)
    assert django_asgi_app.threads == settings.HTTP_THREADS
