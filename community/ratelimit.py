"""The one rate limiter, for sockets and HTTP views alike. Counters live in the
cache, so with Redis they hold across every Daphne process.

A sliding-window counter (two fixed windows, the older one weighted by how
much of it still overlaps): `limit` events at once, then about limit/window
per second. Only `incr` touches shared state, and it is atomic in Redis and
in the local-memory cache alike. Refused attempts do not count.

allauth keeps its own limits for sign-in, sign-up and password reset
(`ACCOUNT_RATE_LIMITS`); this module covers everything else.
"""

import logging
import math
import time
from functools import wraps

from django.core.cache import cache
from django.http import HttpResponse

logger = logging.getLogger(__name__)


def hit(key: str, *, limit: int, window: float, now: float | None = None) -> float:
    """Count one event for `key`. Returns 0 if allowed, else seconds to wait.

    If the cache cannot be reached the event is allowed: during a Redis
    outage members can still post (the message is stored; the database, not
    the limiter, is what must not fail)."""
    try:
        return _hit(key, limit=limit, window=window, now=now)
    except Exception:
        logger.warning("rate limiter cache unavailable; allowing", exc_info=True)
        return 0.0


def _hit(key: str, *, limit: int, window: float, now: float | None = None) -> float:
    now = time.time() if now is None else now
    index = math.floor(now / window)
    current_key = f"rl:{key}:{index}"
    previous_key = f"rl:{key}:{index - 1}"
    ttl = int(window * 2) + 1
    cache.add(current_key, 0, ttl)
    current = cache.incr(current_key)
    previous = cache.get(previous_key, 0)
    elapsed = (now / window) - index
    estimate = previous * (1.0 - elapsed) + current
    if estimate <= limit:
        return 0.0
    cache.decr(current_key)
    if previous:
        # Wait until the older window's weight has shrunk enough for one more.
        needed = (previous + current - limit) / previous
        wait = max(needed - elapsed, 0.0) * window
    else:
        wait = (1.0 - elapsed) * window
    return round(max(wait, 0.05), 2)


def forget(keys_and_windows: list[tuple[str, float]]) -> None:
    """Drop the counters of these keys now (erasure should not wait for them
    to expire). Each key is given with the window it is counted in."""
    now = time.time()
    names = []
    for key, window in keys_and_windows:
        index = math.floor(now / window)
        names += [f"rl:{key}:{i}" for i in (index - 1, index, index + 1)]
    if names:
        cache.delete_many(names)


# --- HTTP views ---------------------------------------------------------------------


def too_many(wait: float = 300) -> HttpResponse:
    response = HttpResponse(
        "Too many attempts. Please wait a few minutes and try again.", status=429, content_type="text/plain"
    )
    response["Retry-After"] = str(max(1, math.ceil(wait)))
    return response


def limit_posts(scope: str, *rules):
    """Refuse POSTs past any rule with 429 (nothing changes). A rule is
    (limit, window, key_function); key_function(request) -> str, or "" to
    skip that rule for this request."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                for limit, window, key_function in rules:
                    key = key_function(request)
                    if key:
                        wait = hit(f"{scope}:{window}:{key}", limit=limit, window=window)
                        if wait:
                            return too_many(wait)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def by_ip(request) -> str:
    return "ip:" + request.META.get("REMOTE_ADDR", "")


def by_user(request) -> str:
    return f"user:{request.user.pk}" if request.user.is_authenticated else by_ip(request)


def by_posted(field: str):
    def key(request) -> str:
        value = str(request.POST.get(field, "")).strip().lower()
        return f"{field}:{value}" if value else ""

    return key


# Invitations send e-mail to outside addresses: a stolen staff session must not
# turn the site into a mailer. Generous for real use (a CSV upload counts once).
invitation_limit = limit_posts("invite", (30, 600, by_user))
