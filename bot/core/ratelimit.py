"""Per-user flood control: a token bucket, with one polite notice per flood."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from bot.core.cache import BoundedCache


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # refused; tell the user once
    DROP = "drop"  # refused; already told


@dataclass
class _Bucket:
    tokens: float
    updated: float
    warned: bool = False


class RateLimiter:
    """``burst`` messages at once, refilled at ``per_minute`` a minute, per user key."""

    def __init__(
        self,
        burst: int,
        per_minute: int,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.burst = burst
        self.rate = per_minute / 60.0
        self._clock = clock
        # The users seen longest ago go first: their buckets have long refilled, and a user
        # forgotten early only gets a fresh burst.
        self._buckets: BoundedCache[str, _Bucket] = BoundedCache(max_keys)

    def check(self, key: str) -> Verdict:
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(tokens=float(self.burst), updated=now)
            self._buckets.put(key, bucket)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            if bucket.tokens >= 1.0:
                bucket.warned = False
            return Verdict.ALLOW
        if bucket.warned:
            return Verdict.DROP
        bucket.warned = True
        return Verdict.WARN
