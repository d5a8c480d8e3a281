"""The bounded cache: the least recently used entry goes first, entries expire on a clock."""

from __future__ import annotations

from bot.core.cache import BoundedCache
from bot.core.ratelimit import RateLimiter, Verdict


def test_the_least_recently_used_entry_goes_first() -> None:
    cache: BoundedCache[int, str] = BoundedCache(3)
    for key in (1, 2, 3):
        cache.put(key, str(key))
    assert cache.get(1) == "1"  # 1 is now the most recently used
    cache.put(4, "4")
    assert 2 not in cache and list(cache.keys()) == [3, 1, 4]
    assert len(cache) == 3


def test_entries_expire_on_the_clock_given() -> None:
    now = [100.0]
    cache: BoundedCache[str, int] = BoundedCache(10, ttl=5.0, clock=lambda: now[0])
    cache.put("a", 1)
    now[0] = 104.9
    assert cache.get("a") == 1
    now[0] = 105.0
    assert cache.get("a") is None and "a" not in cache


def test_discard_where_and_pop() -> None:
    cache: BoundedCache[int, int] = BoundedCache(10)
    for key in range(6):
        cache.put(key, key % 2)
    assert cache.discard_where(lambda _key, value: value == 1) == 3
    assert sorted(cache.keys()) == [0, 2, 4]
    assert cache.pop(2) == 0 and cache.pop(2) is None


def test_the_flood_limiter_forgets_the_oldest_users_not_everyone() -> None:
    limiter = RateLimiter(burst=1, per_minute=1, clock=lambda: 0.0, max_keys=100)
    assert limiter.check("flooder") is Verdict.ALLOW
    assert limiter.check("flooder") is Verdict.WARN
    for user in range(99):
        limiter.check(f"user-{user}")
    assert limiter.check("flooder") is Verdict.DROP  # still remembered: 100 users fit
    for user in range(99, 300):
        limiter.check(f"user-{user}")
    assert limiter.check("flooder") is Verdict.ALLOW  # forgotten: a fresh burst
