"""A sliding-window rate limiter, shared by the Telegram and Discord adapters, in which
answers to members go before messages nobody is waiting for."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar

_SENDING_UNASKED: ContextVar[bool] = ContextVar("werkbot_sending_unasked", default=False)


@contextlib.contextmanager
def unasked() -> Iterator[None]:
    """Marks the platform calls made inside as messages nobody is waiting for (a broadcast,
    a notice, a progress edit): in a :class:`WindowLimiter` they give way to answers."""
    token = _SENDING_UNASKED.set(True)
    try:
        yield
    finally:
        _SENDING_UNASKED.reset(token)


class WindowLimiter:
    """At most ``limit`` calls in any ``period`` seconds: a sliding window.

    Why not a token bucket (``aiolimiter``): a full bucket lets ``limit`` calls go at once
    and refills meanwhile, so one second saw 60 Telegram messages under a limit of 30 a
    second (measured in ``bench/broadcasts.py``), and one minute could see 40 in a group
    under 20 a minute. Telegram and Discord count per window; so does this.

    Who goes first: an answer to a member (any call not made inside :func:`unasked`) takes
    the next free place; unasked calls wait in the order they came, behind any answer that
    is waiting, and are spread evenly (one every ``period / limit`` seconds, no burst). A
    window filled by a burst frees all its places at once a period later, so an answer
    that came just after the burst waited up to a whole period (measured: 900 ms at 30 a
    second); with the unasked calls spread, a place frees every 33 ms. So a reply to
    ``/hulp`` waits for at most one place, never for a broadcast.
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
        """Held by the unasked call whose turn it is (the others queue on it, in order)."""
        self._answer_turn = asyncio.Lock()
        """The same for answers: they queue among themselves in order, ahead of the rest."""
        self._answers_waiting = 0
        self._spacing = period / self.limit
        self._last_unasked = float("-inf")

    def idle(self) -> bool:
        """Nothing sent within the last window (so forgetting this limiter loses nothing)."""
        return not self._times or self._clock() - self._times[-1] >= self.period

    async def __aenter__(self) -> None:
        if _SENDING_UNASKED.get():
            async with self._turn:
                await self._take(give_way=True)
            return
        self._answers_waiting += 1
        try:
            async with self._answer_turn:
                await self._take(give_way=False)
        finally:
            self._answers_waiting -= 1

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def _take(self, *, give_way: bool) -> None:
        """A place in the window; ``give_way``: an unasked call, which waits for its even
        spacing and lets waiting answers go first."""
        times = self._times
        while True:
            now = self._clock()
            while times and now - times[0] >= self.period:
                times.popleft()
            if give_way and now - self._last_unasked < self._spacing:
                await self._sleep(self._last_unasked + self._spacing - now)
                continue
            if len(times) < self.limit and not (give_way and self._answers_waiting):
                times.append(now)
                if give_way:
                    self._last_unasked = now
                return
            if len(times) < self.limit:  # room, but an answer is waiting: let it go first
                await asyncio.sleep(0)
            else:
                await self._sleep(times[0] + self.period - now)
