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

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

logger = logging.getLogger(__name__)


def hit(key: str, *, limit: int, window: float, now: float | None = None, cost: int = 1) -> float:
    """Count `cost` events (one by default) for `key`. Returns 0 if allowed,
    else seconds to wait; a cost above `limit` is never allowed.

    If the cache cannot be reached the event is allowed: during a Redis
    outage members can still post (the message is stored; the database, not
    the limiter, is what must not fail)."""
    try:
        return _hit(key, limit=limit, window=window, now=now, cost=cost)
    except Exception:
        logger.warning("rate limiter cache unavailable; allowing", exc_info=True)
        return 0.0


def _hit(key: str, *, limit: int, window: float, now: float | None = None, cost: int = 1) -> float:
    if cost > limit:
        return float(window)
    now = time.time() if now is None else now
    index = math.floor(now / window)
    current_key = f"rl:{key}:{index}"
    previous_key = f"rl:{key}:{index - 1}"
    ttl = int(window * 2) + 1
    current, previous = _count(current_key, previous_key, ttl, cost)
    wait = _wait(current, previous, limit=limit, window=window, elapsed=(now / window) - index)
    if wait:
        cache.decr(current_key, cost)
    return wait


def _wait(current: int, previous: int, *, limit: int, window: float, elapsed: float) -> float:
    """The sliding window's answer for counts that include this event: 0 if
    allowed, else seconds to wait. `elapsed`: how far into the current
    window (0 to 1)."""
    if previous * (1.0 - elapsed) + current <= limit:
        return 0.0
    if previous:
        # Wait until the older window's weight has shrunk enough for one more.
        needed = (previous + current - limit) / previous
        wait = max(needed - elapsed, 0.0) * window
    else:
        wait = (1.0 - elapsed) * window
    return round(max(wait, 0.05), 2)


def _count(current_key: str, previous_key: str, ttl: int, cost: int) -> tuple[int, int]:
    """Add `cost` to the current window's counter (created with `ttl`) and
    read the previous window's: one round trip to Redis (a pipeline), or the
    cache's own add, incr and get elsewhere (local memory in the embedded
    default). A send is rate-limited on every message, so the round trips
    count."""
    client = _redis_client(current_key)
    if client is None:
        cache.add(current_key, 0, ttl)
        return cache.incr(current_key, cost), cache.get(previous_key, 0)
    current_key, previous_key = cache.make_and_validate_key(current_key), cache.make_and_validate_key(previous_key)
    pipe = client.pipeline(transaction=False)
    pipe.set(current_key, 0, ex=ttl, nx=True)
    pipe.incrby(current_key, cost)
    pipe.get(previous_key)
    _, current, previous = pipe.execute()
    return int(current), int(previous) if previous is not None else 0


# Lower each counter that still exists (as `refund` does: a counter that
# expired or was forgotten meanwhile is not brought back below zero).
_GIVE_BACK = """
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    redis.call('DECRBY', key, ARGV[i])
  end
end
"""


class Batch:
    """`hit` for a batch of events, one per key in `keys` (several may share
    a key), that are checked one after another: the counters are read and
    advanced for all of them in one round trip to Redis instead of one each.

    Each event then asks `hit(index)` in index order, or never asks (it was
    refused before its check). It gets exactly the answer `hit` would have
    given it after the events before it: an earlier event of its key that
    never asked, or was refused, is not counted against it. Call `settle()`
    when every event has had its turn: it gives back, in one round trip, the
    counts of the events that did not count. Until then other processes see
    those counts (the limit is briefly a little stricter for them).

    Without Redis (the embedded default's local-memory cache) each `hit`
    simply calls the module's `hit`. If Redis cannot be reached every event
    is allowed, as `hit` allows it."""

    def __init__(self, keys: list[str], *, limit: int, window: float, now: float | None = None):
        self.keys = keys
        self.limit = limit
        self.window = window
        self.now = time.time() if now is None else now
        self.index = math.floor(self.now / window)
        self.next = 0  # the first event that has not had its turn
        self.uncounted: dict[str, int] = {}
        self.counts: list[tuple[int, int]] | None = None
        self.allow_all = False
        self.client = None
        if not keys:
            return
        try:
            self.client = _redis_client(f"rl:{keys[0]}:{self.index}")
            if self.client is not None:
                self.counts = self._count_all()
        except Exception:
            logger.warning("rate limiter cache unavailable; allowing", exc_info=True)
            self.client, self.counts, self.allow_all = None, None, True

    def _names(self, key: str) -> tuple[str, str]:
        return (
            cache.make_and_validate_key(f"rl:{key}:{self.index}"),
            cache.make_and_validate_key(f"rl:{key}:{self.index - 1}"),
        )

    def _count_all(self) -> list[tuple[int, int]]:
        """(current, previous) for each event, in one pipeline: the current
        window's counter advanced once per event, in order."""
        ttl = int(self.window * 2) + 1
        pipe = self.client.pipeline(transaction=False)
        for key in self.keys:
            current, previous = self._names(key)
            pipe.set(current, 0, ex=ttl, nx=True)
            pipe.incrby(current, 1)
            pipe.get(previous)
        replies = pipe.execute()
        return [
            (int(replies[i + 1]), int(replies[i + 2]) if replies[i + 2] is not None else 0)
            for i in range(0, len(replies), 3)
        ]

    def _skip_to(self, index: int) -> None:
        for earlier in range(self.next, index):
            key = self.keys[earlier]
            self.uncounted[key] = self.uncounted.get(key, 0) + 1
        self.next = max(self.next, index)

    def hit(self, index: int) -> float:
        """Count event `index`: 0 if allowed, else seconds to wait (and it is
        not counted)."""
        if index < self.next:
            raise ValueError(f"rate limit batch: event {index} has had its turn")
        self._skip_to(index)
        self.next = index + 1
        key = self.keys[index]
        if self.allow_all:
            return 0.0
        if self.counts is None:
            return hit(key, limit=self.limit, window=self.window, now=self.now)
        current, previous = self.counts[index]
        current -= self.uncounted.get(key, 0)
        elapsed = (self.now / self.window) - self.index
        wait = _wait(current, previous, limit=self.limit, window=self.window, elapsed=elapsed)
        if wait:
            self.uncounted[key] = self.uncounted.get(key, 0) + 1
        return wait

    def settle(self) -> None:
        """Give back the counts of the events that did not count."""
        self._skip_to(len(self.keys))
        if self.counts is None or not any(self.uncounted.values()):
            return
        keys = [key for key, count in self.uncounted.items() if count]
        try:
            self.client.eval(
                _GIVE_BACK, len(keys), *(self._names(key)[0] for key in keys), *(self.uncounted[key] for key in keys)
            )
        except Exception:
            logger.info("rate limiter: could not give back %d counts", sum(self.uncounted.values()))
        self.uncounted = {}


def _redis_client(key: str):
    """The redis-py client behind Django's Redis cache, or None for any other
    cache. (Counters are plain integers there, as Django's incr leaves them.)"""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    return backend._cache.get_client(backend.make_and_validate_key(key), write=True)


def refund(key: str, *, window: float, cost: int = 1) -> None:
    """Give back events counted a moment ago (the work they paid for did not happen)."""
    try:
        cache.decr(f"rl:{key}:{math.floor(time.time() / window)}", cost)
    except Exception:
        # Missing counter (the window just turned) or no cache: the limit is
        # at worst a little stricter for one window.
        logger.info("rate limiter: nothing to refund for %s", key.split(":", 1)[0])


def charge(rules: list[tuple[str, int, float]], *, cost: int) -> float:
    """Count `cost` events against every (key, limit, window) rule, all or
    none: 0 if every rule allows it, else the longest wait (nothing counted)."""
    counted = []
    for key, limit, window in rules:
        wait = hit(key, limit=limit, window=window, cost=cost)
        if wait:
            for done_key, done_window in counted:
                refund(done_key, window=done_window, cost=cost)
            return wait
        counted.append((key, window))
    return 0.0


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
# turn the site into a mailer. Requests are limited here; the e-mails they send
# are counted one by one by `invitation_emails` (a CSV of 2,000 rows is 2,000).
invitation_limit = limit_posts("invite", (30, 600, by_user))


def invitation_email_rules(user) -> list[tuple[str, int, float]]:
    return [
        (f"invite-mail:3600:user:{user.pk}", settings.INVITATION_EMAILS_PER_HOUR, 3600),
        (f"invite-mail:86400:user:{user.pk}", settings.INVITATION_EMAILS_PER_DAY, 86400),
    ]


def invitation_emails(user, count: int) -> float:
    """Count `count` invitation e-mails about to be sent by `user`: 0 if
    allowed, else seconds to wait (and nothing counted)."""
    return charge(invitation_email_rules(user), cost=count)


def refund_invitation_emails(user, count: int) -> None:
    for key, _limit, window in invitation_email_rules(user):
        refund(key, window=window, cost=count)
