"""Staying within Telegram's flood limits, and riding out its bad moments.

Why our own limiter instead of PTB's ``AIORateLimiter``: that one knows an overall and a
per-group limit but not the per-private-chat one, and it only retries on 429. Every Bot
API call except ``getUpdates`` passes through :meth:`TelegramRateLimiter.process_request`,
so this is the one place where sending is throttled and retried:

* about 30 messages a second overall, 20 a minute per group, and in a private chat short
  bursts but about one a second sustained (Telegram's published limits);
* a 429 with ``retry_after`` pauses *all* sending for that long, then the call is retried;
* timeouts, 5xx answers and dropped connections are retried with exponential backoff;
* anything Telegram refuses for good (400 Bad Request, 403 Forbidden, ...) is not retried.

Retrying a send whose answer was lost may deliver it twice; we prefer that to losing it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import warnings
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from aiolimiter import AsyncLimiter
from telegram import Update
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter, BaseUpdateProcessor
from telegram.warnings import PTBDeprecationWarning

from bot.adapters._window import WindowLimiter
from bot.core.metrics import RATE_LIMITED

log = logging.getLogger(__name__)

_MAX_LIMITERS = 1024


@dataclass(frozen=True)
class Limits:
    """Sending limits and retry policy; the defaults are Telegram's published limits."""

    overall_rate: float = 30
    overall_period: float = 1.0
    private_burst: int = 3
    private_period: float = 1.0
    """Seconds per message in one private chat once the burst is used up."""
    group_rate: float = 20
    group_period: float = 60.0
    max_retries: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    retry_after_slack: float = 0.1


def _idle(limiter: AsyncLimiter | WindowLimiter) -> bool:
    if isinstance(limiter, WindowLimiter):
        return limiter.idle()
    return limiter.has_capacity(limiter.max_rate)


class TelegramRateLimiter(BaseRateLimiter[int]):
    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._overall = WindowLimiter(self.limits.overall_rate, self.limits.overall_period)
        # least recent first
        self._per_chat: OrderedDict[int | str, AsyncLimiter | WindowLimiter] = OrderedDict()
        self._paused_until = 0.0

    async def initialize(self) -> None:
        """Nothing to set up; the limiters are created on first use."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    def _chat_limiter(self, chat_id: int | str) -> AsyncLimiter | WindowLimiter:
        per_chat = self._per_chat
        limiter = per_chat.get(chat_id)
        if limiter is not None:
            per_chat.move_to_end(chat_id)
            return limiter
        # Forget the chats quiet longest, as long as their limiter is idle again. Stopping
        # at the first busy one keeps this O(1) per new chat (a scan of every chat here
        # made 10,000 chats at once quadratic); more chats than the cap are then allowed.
        while len(per_chat) >= _MAX_LIMITERS:
            oldest, idle = next(iter(per_chat.items()))
            if not _idle(idle):
                break
            del per_chat[oldest]
        is_group = isinstance(chat_id, str) or chat_id < 0
        if is_group:
            limiter = WindowLimiter(self.limits.group_rate, self.limits.group_period)
        else:
            burst = max(1, self.limits.private_burst)
            limiter = AsyncLimiter(burst, burst * self.limits.private_period)
        self._per_chat[chat_id] = limiter
        return limiter

    @contextlib.asynccontextmanager
    async def _slot(self, data: dict[str, Any]) -> AsyncIterator[None]:
        """A place in the queues of this chat and of the whole bot (only calls to a chat count)."""
        raw = data.get("chat_id")
        if raw is None:
            yield
            return
        chat_id: int | str = raw
        with contextlib.suppress(TypeError, ValueError):
            chat_id = int(raw)
        async with self._chat_limiter(chat_id), self._overall:
            yield

    async def _wait_for_pause(self) -> None:
        """After a 429 everything waits; the pause may grow while we sleep, so look again."""
        loop = asyncio.get_running_loop()
        while True:
            left = self._paused_until - loop.time()
            if left <= 0:
                return
            await asyncio.sleep(left)

    def _backoff(self, attempt: int) -> float:
        delay = min(self.limits.backoff_max, self.limits.backoff_base * 2**attempt)
        return float(delay * random.uniform(0.8, 1.2))

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        max_retries = self.limits.max_retries if rate_limit_args is None else rate_limit_args
        attempt = 0
        loop = asyncio.get_running_loop()
        while True:
            await self._wait_for_pause()
            try:
                async with self._slot(data):
                    await self._wait_for_pause()  # a 429 may have come while we queued
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                RATE_LIMITED.labels("telegram").inc()
                if attempt >= max_retries:
                    raise
                with warnings.catch_warnings():  # int today, timedelta in PTB 23
                    warnings.simplefilter("ignore", PTBDeprecationWarning)
                    pause = exc.retry_after
                seconds = pause if isinstance(pause, int | float) else pause.total_seconds()
                seconds += self.limits.retry_after_slack
                log.warning("Telegram asked to slow down (%s): waiting %.1f s", endpoint, seconds)
                self._paused_until = max(self._paused_until, loop.time() + seconds)
            except BadRequest:
                raise  # a NetworkError subclass, but retrying cannot fix it
            except NetworkError as exc:  # includes TimedOut, 5xx and dropped connections
                if attempt >= max_retries:
                    raise
                delay = self._backoff(attempt)
                log.warning(
                    "Telegram %s failed (%s); retry %d of %d in %.1f s",
                    endpoint,
                    exc,
                    attempt + 1,
                    max_retries,
                    delay,
                )
                await asyncio.sleep(delay)
            attempt += 1


def _order_key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_user is not None:
            return update.effective_user.id
        if update.effective_chat is not None:
            return update.effective_chat.id
    return None


class PerUserOrder(BaseUpdateProcessor):
    """Handle updates of different users at the same time, but each user's in order.

    Why: one slow database call must not hold up everyone, yet a member who types an
    answer and presses a button must have them handled in the order they were sent.
    The per-user lock is taken before a concurrency slot, so a flood from one user
    cannot occupy the slots of others.
    """

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    # PTB marks process_update final and offers do_process_update, but that runs inside the
    # concurrency slot: a user's waiting updates would hold slots that others need.
    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:  # type: ignore[misc]
        key = _order_key(update)
        if key is None:
            await super().process_update(update, coroutine)
            return
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        async with lock:
            await super().process_update(update, coroutine)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


class UpdateQueue(asyncio.Queue[object]):
    """PTB's update queue with backpressure: at most ``in_flight`` updates taken and not done.

    python-telegram-bot turns every update it takes from this queue into a task at once, so
    a backlog of 10,000 presses became 10,000 tasks, and handling slowed as the backlog grew
    (measured: 5,000 updates/s with 10,000 pending, 2,800 with 50,000, PTB alone). Here
    ``get`` waits while ``in_flight`` updates are being handled, and ``put`` waits while
    ``in_flight`` more are queued, so polling pauses and the backlog stays with Telegram.
    """

    def __init__(self, in_flight: int = 256) -> None:
        super().__init__(maxsize=in_flight)
        self._limit = in_flight
        self._taken = 0  # taken with get and not yet marked done
        self._room = asyncio.Event()
        self._room.set()

    async def get(self) -> object:
        while self._taken >= self._limit:
            self._room.clear()
            await self._room.wait()
        return await super().get()

    def get_nowait(self) -> object:
        item = super().get_nowait()  # get() ends here too
        self._taken += 1
        return item

    def task_done(self) -> None:
        super().task_done()
        self._taken = max(0, self._taken - 1)
        self._room.set()
