"""Per-member send limits kept in the cache, so that with Redis configured
they hold across every Daphne process.

A sliding-window counter (two fixed windows, the older one weighted by how
much of it still overlaps): `burst` messages at once, then about
burst/window per second. Only `incr` touches shared state, and it is atomic
in Redis and in the local-memory cache alike.
"""

import logging
import math
import time

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


def hit(key: str, *, limit: int, window: float, now: float | None = None) -> float:
    """Count one event for `key`. Returns 0 if allowed, else seconds to wait.

    If the cache cannot be reached the event is allowed: during a Redis
    outage members can still post (the message is stored; the database, not
    the limiter, is what must not fail)."""
    try:
        return _hit(key, limit=limit, window=window, now=now)
    except Exception:  # noqa: BLE001 - any cache failure: fail open, loudly in the log
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
    # Refused attempts do not count against the member.
    cache.decr(current_key)
    if previous:
        # Wait until the older window's weight has shrunk enough for one more.
        needed = (previous + current - limit) / previous
        wait = max(needed - elapsed, 0.0) * window
    else:
        wait = (1.0 - elapsed) * window
    return round(max(wait, 0.05), 2)


def forget_member(member_id: int, room_ids: list[int]) -> None:
    """Rate-limit counters are keyed by member id; they expire within
    seconds, but erasure should not wait for them."""
    if settings.REDIS_URL:
        client = cache._cache.get_client(write=True)
        prefix = cache.make_key("rl:")
        for pattern in (f"{prefix}send:{member_id}:*", f"{prefix}slow:*:{member_id}:*"):
            keys = list(client.scan_iter(match=pattern, count=500))
            if keys:
                client.delete(*keys)
        return
    from .models import Room

    now = time.time()
    windows = [("send", settings.RATE_LIMIT_BURST / settings.RATE_LIMIT_PER_SECOND, f"send:{member_id}")]
    for room_id, seconds in Room.objects.filter(pk__in=room_ids, slow_mode_seconds__gt=0).values_list(
        "pk", "slow_mode_seconds"
    ):
        windows.append(("slow", seconds, f"slow:{room_id}:{member_id}"))
    for _, window, key in windows:
        index = math.floor(now / window)
        cache.delete_many([f"rl:{key}:{i}" for i in (index - 1, index, index + 1)])
