"""Page views on long-lived threads.

Django's ASGI handler runs each request's synchronous code (middleware,
views, the ORM) on a thread made for that request, and drops the thread
afterwards. Each request therefore opened its own database connection:
about 1.2 ms on SQLite (the pragmas and the functions Django registers),
and SQLite parsed every statement again. Every per-thread cache started
empty too, including community.prepared's compiled statements.

`PooledThreadsHandler` is Django's handler with one difference. A request
borrows one thread of a fixed pool (settings.HTTP_THREADS) for its whole
life and gives it back at the end. This is asgiref's
`ThreadSensitiveContext(executor=...)`, made for the purpose: one thread
per request at a time, as before, so thread-sensitive code keeps its
guarantees. Threads and their connections are reused from one request to
the next, as under a threaded WSGI server. Django closes connections that
are too old or broken at the start and end of each request, as always.

When every thread is busy, the next request waits for one. A view still
running after its client went away keeps its thread until it finishes.
"""

import asyncio
import weakref
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext
from django.core.handlers.asgi import ASGIHandler


class PooledThreadsHandler(ASGIHandler):
    def __init__(self, threads: int):
        super().__init__()
        if threads < 1:
            raise ValueError("PooledThreadsHandler needs at least one thread")
        self.threads = threads
        self._executors = [ThreadPoolExecutor(max_workers=1, thread_name_prefix="http") for _ in range(threads)]
        self._free: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Queue] = weakref.WeakKeyDictionary()

    def _free_threads(self) -> asyncio.Queue:
        loop = asyncio.get_running_loop()
        free = self._free.get(loop)
        if free is None:
            free = self._free[loop] = asyncio.Queue()
            for executor in self._executors:
                free.put_nowait(executor)
        return free

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        free = self._free_threads()
        executor = await free.get()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            free.put_nowait(executor)
