"""The per-chat limiters of the Telegram rate limiter stay bounded without scanning."""

from __future__ import annotations

import asyncio
import bisect

import pytest

from bot.adapters._window import WindowLimiter, unasked
from bot.adapters.telegram import Limits
from bot.adapters.telegram._limits import _MAX_LIMITERS, TelegramRateLimiter


async def test_idle_chats_are_forgotten_oldest_first() -> None:
    limiter = TelegramRateLimiter(Limits())
    for chat in range(1, 3 * _MAX_LIMITERS):
        limiter._chat_limiter(chat)  # created, never used: idle
    assert len(limiter._per_chat) == _MAX_LIMITERS
    # The most recent ones are kept; the first ones were forgotten.
    assert 3 * _MAX_LIMITERS - 1 in limiter._per_chat and 1 not in limiter._per_chat


async def test_busy_chats_are_kept_beyond_the_cap() -> None:
    limiter = TelegramRateLimiter(Limits())
    for chat in range(1, _MAX_LIMITERS + 101):
        async with limiter._chat_limiter(chat):  # one message sent: its limiter is busy
            pass
    # Nothing idle to forget, so nothing of a busy chat's budget is lost.
    assert len(limiter._per_chat) == _MAX_LIMITERS + 100
    assert limiter._per_chat[1].has_capacity(1)  # chat 1 still has its (used) limiter


async def test_a_used_chat_moves_to_the_back_of_the_queue() -> None:
    limiter = TelegramRateLimiter(Limits())
    first = limiter._chat_limiter(1)
    for chat in range(2, _MAX_LIMITERS + 1):
        limiter._chat_limiter(chat)
    assert limiter._chat_limiter(1) is first  # touched again: now the most recent
    limiter._chat_limiter(_MAX_LIMITERS + 1)  # over the cap: the oldest idle one goes
    assert 1 in limiter._per_chat and 2 not in limiter._per_chat


async def test_update_queue_holds_back_while_updates_are_in_flight() -> None:
    from bot.adapters.telegram._limits import UpdateQueue

    queue = UpdateQueue(in_flight=2)
    for update in ("a", "b"):
        await queue.put(update)
    # The queue is full: a third put waits (polling pauses, the backlog stays with Telegram).
    third = asyncio.ensure_future(queue.put("c"))
    await asyncio.sleep(0)
    assert not third.done()
    assert await queue.get() == "a"
    await asyncio.sleep(0)
    assert third.done()
    assert await queue.get() == "b"
    # Two taken and not done: a third get waits until one of them is done.
    getter = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    assert not getter.done()
    queue.task_done()
    assert await asyncio.wait_for(getter, 1) == "c"
    queue.task_done()
    queue.task_done()
    await asyncio.wait_for(queue.join(), 1)  # every update done: nothing left over


class FakeClock:
    """A clock the test moves: a sleeper wakes when ``advance`` passes its moment."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self.now + seconds, wake))
        await wake

    async def advance(self, seconds: float) -> None:
        for _ in range(20):  # what is ready runs at the current moment first
            await asyncio.sleep(0)
        self.now += seconds
        for moment, wake in list(self._sleepers):
            if moment <= self.now:
                self._sleepers.remove((moment, wake))
                wake.set_result(None)
        for _ in range(20):  # let everyone who woke run
            await asyncio.sleep(0)


async def run_until_done(clock: FakeClock, tasks: list[asyncio.Future[None]], step: float) -> None:
    for _ in range(100_000):
        if all(task.done() for task in tasks):
            return
        await clock.advance(step)
    raise AssertionError("the limiter never let everyone through")


async def test_never_more_than_the_limit_in_any_window() -> None:
    clock = FakeClock()
    window = WindowLimiter(30, 1.0, clock=clock, sleep=clock.sleep)
    sent: list[float] = []
    order: list[int] = []

    async def send(number: int) -> None:
        async with window:
            sent.append(clock.now)
            order.append(number)

    tasks = [asyncio.ensure_future(send(number)) for number in range(300)]
    await run_until_done(clock, tasks, 0.01)
    # A token bucket let 60 go in the first second; a window lets exactly 30 per second.
    assert max(bisect.bisect_left(sent, t + 1.0) - i for i, t in enumerate(sent)) == 30
    assert sent[-1] - sent[0] == pytest.approx(9.0, abs=0.2)  # 300 messages, 30 a second
    assert order == list(range(300))  # waiters go in the order they came


async def test_a_group_window_allows_a_burst_and_then_waits_for_the_minute() -> None:
    clock = FakeClock()
    window = WindowLimiter(20, 60.0, clock=clock, sleep=clock.sleep)
    for _ in range(20):
        async with window:
            pass
    assert clock.now == 1000.0 and not window.idle()  # the burst went at once
    late = asyncio.ensure_future(window.__aenter__())
    await clock.advance(59.0)
    assert not late.done()  # the 21st waits for the first to age out of the minute
    await clock.advance(1.0)
    assert late.done()
    await clock.advance(60.0)
    assert window.idle()


async def test_an_answer_goes_before_the_unasked_messages_that_wait() -> None:
    clock = FakeClock()
    window = WindowLimiter(4, 1.0, clock=clock, sleep=clock.sleep)
    went: list[tuple[str, float]] = []

    async def broadcast(number: int) -> None:
        with unasked():
            async with window:
                went.append((f"b{number}", clock.now))

    async def answer(name: str) -> None:
        async with window:
            went.append((name, clock.now))

    tasks = [asyncio.ensure_future(broadcast(n)) for n in range(8)]
    for _ in range(3):  # unasked messages are spread: one every 0.25 s, no burst
        await clock.advance(0.25)
    assert went == [("b0", 1000.0), ("b1", 1000.25), ("b2", 1000.5), ("b3", 1000.75)]
    tasks.append(asyncio.ensure_future(answer("first answer")))
    tasks.append(asyncio.ensure_future(answer("second answer")))
    await run_until_done(clock, tasks, 0.25)
    # Each answer takes the next place that frees, ahead of the four waiting broadcasts,
    # and the broadcasts go on in order; never more than four in any second.
    assert [name for name, _at in went[4:]] == [
        "first answer",
        "second answer",
        "b4",
        "b5",
        "b6",
        "b7",
    ]
    assert went[4][1] == 1001.0 and went[5][1] == 1001.25  # as soon as b0, b1 age out
    moments = [at for _name, at in went]
    assert max(bisect.bisect_left(moments, t + 1.0) - i for i, t in enumerate(moments)) == 4
