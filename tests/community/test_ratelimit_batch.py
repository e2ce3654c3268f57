"""ratelimit.Batch: a batch of sends counted in one round trip gives each
send exactly the answer `hit` would have given it, one after another."""

import random
import uuid

import pytest
from django.core.cache import cache

from community import cache as shared_cache
from community import ratelimit

LIMIT, WINDOW = 4, 10.0


@pytest.fixture(params=["redis", "locmem"])
def limiter_cache(request, settings):
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        settings.CACHES = {
            "default": {
                "BACKEND": "community.cache.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": f"rl-batch-{uuid.uuid4().hex[:8]}",
            }
        }
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    shared_cache.forget_clients()
    yield request.param
    shared_cache.forget_clients()


def _current(key: str, now: float) -> int:
    return int(cache.get(f"rl:{key}:{int(now // WINDOW)}", 0))


@pytest.mark.parametrize("seed", range(6))
def test_each_event_gets_the_answer_hits_one_after_another_give(limiter_cache, seed):
    """Random batches over three keys, some events refused before their check
    (they never ask): the batch's answers and the counters it leaves equal
    those of the same events sent to `hit` one by one, on keys of their own."""
    rng = random.Random(seed)
    now = 1_000_000 * WINDOW + rng.uniform(0.1, 9.9)  # somewhere inside a window
    tag = uuid.uuid4().hex[:6]
    # Earlier traffic in both windows, the same for both sets of keys.
    for key in "abc":
        earlier, current = rng.randint(0, 3), rng.randint(0, 2)
        for prefix in ("batch", "alone"):
            for _ in range(earlier):
                ratelimit.hit(f"{prefix}{tag}{key}", limit=100, window=WINDOW, now=now - WINDOW)
            for _ in range(current):
                ratelimit.hit(f"{prefix}{tag}{key}", limit=100, window=WINDOW, now=now)
    events = [(rng.choice("abc"), rng.random() < 0.2) for _ in range(12)]  # (key, never asks)
    batch = ratelimit.Batch([f"batch{tag}{key}" for key, _ in events], limit=LIMIT, window=WINDOW, now=now)
    got, expected = [], []
    for i, (key, skips) in enumerate(events):
        if skips:
            continue
        got.append(batch.hit(i))
        expected.append(ratelimit.hit(f"alone{tag}{key}", limit=LIMIT, window=WINDOW, now=now))
    batch.settle()
    assert got == expected
    assert any(expected) or seed % 2  # most seeds hit the limit somewhere
    for key in "abc":
        assert _current(f"batch{tag}{key}", now) == _current(f"alone{tag}{key}", now)


@pytest.mark.parametrize("limiter_cache", ["redis"], indirect=True)
def test_a_batch_costs_one_round_trip_and_one_to_settle(limiter_cache, monkeypatch):
    from redis.client import Pipeline, Redis

    trips = []
    real_execute, real_eval = Pipeline.execute, Redis.eval
    monkeypatch.setattr(Pipeline, "execute", lambda self, *a, **k: trips.append("count") or real_execute(self, *a, **k))
    monkeypatch.setattr(Redis, "eval", lambda self, *a, **k: trips.append("give back") or real_eval(self, *a, **k))
    tag = uuid.uuid4().hex[:6]
    keys = [f"trip{tag}{i % 3}" for i in range(12)]
    batch = ratelimit.Batch(keys, limit=2, window=WINDOW)
    answers = [batch.hit(i) for i in range(len(keys))]
    batch.settle()
    assert trips == ["count", "give back"]  # the give-back of the six refused
    assert answers.count(0.0) == 6
    assert all(answers[i] > 0 for i in range(6, 12))


def test_events_take_their_turns_in_order(limiter_cache):
    batch = ratelimit.Batch(["x", "y", "z"], limit=LIMIT, window=WINDOW)
    batch.hit(1)
    with pytest.raises(ValueError, match="had its turn"):
        batch.hit(0)
    batch.settle()


def test_without_redis_every_event_is_allowed(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "community.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    shared_cache.forget_clients()
    try:
        batch = ratelimit.Batch(["k"] * 10, limit=1, window=WINDOW)
        assert [batch.hit(i) for i in range(10)] == [0.0] * 10
        batch.settle()
    finally:
        shared_cache.forget_clients()


@pytest.mark.parametrize("limiter_cache", ["redis"], indirect=True)
def test_giving_back_never_brings_a_forgotten_counter_below_zero(limiter_cache):
    """Erasure forgets a member's counters (ratelimit.forget); if that happens
    between a batch's count and its settle, the give-back leaves nothing
    behind (a counter at -n with no expiry would lift the limit for good)."""
    tag = uuid.uuid4().hex[:6]
    batch = ratelimit.Batch([f"gone{tag}"] * 5, limit=1, window=WINDOW)
    answers = [batch.hit(i) for i in range(5)]
    assert answers[0] == 0.0
    ratelimit.forget([(f"gone{tag}", WINDOW)])
    batch.settle()
    assert cache.get(f"rl:gone{tag}:{int(batch.now // WINDOW)}") is None
    # A counter that is still there is lowered as before.
    kept = ratelimit.Batch([f"kept{tag}"] * 5, limit=2, window=WINDOW)
    [kept.hit(i) for i in range(3)]
    kept.settle()
    assert _current(f"kept{tag}", kept.now) == 2
