"""A sliding-window rate limiter, shared by the Telegram and Discord adapters."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable


class WindowLimiter:
    """At most ``limit`` calls in any ``period`` seconds: a sliding window.

    Why not a token bucket (``aiolimiter``): a full bucket lets ``limit`` calls go at once
    and refills meanwhile, so one second saw 60 Telegram messages under a limit of 30 a
    second (measured in ``bench/broadcasts.py``), and one minute could see 40 in a group
    under 20 a minute. Telegram and Discord count per window; so does this. Waiters go in
    the order they came.
    """

    def __init__(
        self,
        limit: float,
        period: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limit = max(1, int(limit))
        self.period = period
        self._clock = clock
        self._sleep = sleep
        self._times: deque[float] = deque()
        self._turn = asyncio.Lock()

    def idle(self) -> bool:
        """Nothing sent within the last window (so forgetting this limiter loses nothing)."""
        return not self._times or self._clock() - self._times[-1] >= self.period

    async def __aenter__(self) -> None:
        async with self._turn:
            times = self._times
            while True:
                now = self._clock()
                while times and now - times[0] >= self.period:
                    times.popleft()
                if len(times) < self.limit:
                    times.append(now)
                    return
                await self._sleep(times[0] + self.period - now)

    async def __aexit__(self, *exc: object) -> None:
        return None
