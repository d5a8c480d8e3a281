"""The shared send budget on SQLite and PostgreSQL: slots spaced by their cost, whoever takes.

Several connection pools on one database stand for several processes; many takers at once
must together stay within the rate over every one-second window, and still use it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import text

from bot.app import Werkbot
from cogs.broadcasts import Budget, Limits, token_budgets
from storage.db import Database
from storage.repositories.send_budget import SendBudgetRepository
from storage.vocabulary import Topic
from tests.support.chat import RecordingChat
from tests.support.outbox import announcement, sent
from tests.surveys.conftest import make_member

SLACK = 0.05  # seconds: a statement's own time, more on a busy machine


def busiest_second(moments: list[float]) -> int:
    """The most moments in any window [t, t + 1 s)."""
    moments = sorted(moments)
    most, first = 0, 0
    for last, moment in enumerate(moments):
        while moment - moments[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


async def test_slots_are_spaced_by_their_cost_and_keys_are_separate(db: Database) -> None:
    budget = SendBudgetRepository(db)
    waits = [await budget.take("telegram:a", 0.1) for _n in range(4)]
    assert waits[0] == 0.0
    for n, wait in enumerate(waits):
        assert n * 0.1 - SLACK <= wait <= n * 0.1, waits
    assert await budget.take("telegram:b", 0.1) == 0.0  # another token: its own schedule
    assert await budget.take("telegram:a", 0.3) >= 0.4 - SLACK  # after the four before
    assert await budget.next_at("discord:none") is None


async def test_an_idle_budget_gives_no_burst_and_a_clock_gone_back_starts_again(
    db: Database,
) -> None:
    budget = SendBudgetRepository(db)
    await budget.take("telegram:a", 0.5)
    await budget.take("telegram:b", 0.5)
    async with db.engine.begin() as conn:  # a: idle for a minute; b: the clock went back a day
        await conn.execute(text("update send_budgets set next_at = next_at - 60 where key = 'telegram:a'"))
        await conn.execute(text("update send_budgets set next_at = next_at + 86400 where key = 'telegram:b'"))
    # After an idle spell the first send goes at once and the next one a cost later:
    # nothing was saved up.
    assert await budget.take("telegram:a", 0.5) == 0.0
    assert await budget.take("telegram:a", 0.5) >= 0.5 - SLACK
    assert await budget.take("telegram:b", 0.5) == 0.0
    assert await budget.take("telegram:b", 0.5) <= 0.5


async def test_many_takers_in_two_pools_stay_within_the_rate_and_use_it(
    db: Database, database_url: str
) -> None:
    rate, seconds = 100.0, 2.0
    other = Database(database_url)  # a second process on the same database
    try:
        pools = [SendBudgetRepository(db), SendBudgetRepository(other)]
        sends: list[float] = []
        end = time.monotonic() + seconds

        async def sender(budget: SendBudgetRepository) -> None:
            while time.monotonic() < end:
                wait = await budget.take("telegram:shared", 1 / rate)
                await asyncio.sleep(wait)
                sends.append(time.monotonic())

        await asyncio.gather(*(sender(pools[n % 2]) for n in range(16)))
    finally:
        await other.dispose()
    # Every window of one second: at most the rate, plus the slot at its very edge and
    # a wake-up that came a little late.
    assert busiest_second(sends) <= rate + 2, busiest_second(sends)
    # And the takers together used it: no slot lost to the coordination.
    assert len(sends) >= 0.9 * rate * seconds, len(sends)


def test_a_budget_per_token_named_by_its_hash() -> None:
    budgets = token_budgets(
        {"telegram": "123456:secret", "discord": "abc.def", "console": None},
        {"telegram": 25.0, "discord": 0.0, "console": 10.0},
    )
    assert set(budgets) == {"telegram"}  # discord: 0 is off; console: no token
    assert budgets["telegram"].per_second == 25.0
    key = budgets["telegram"].key
    assert key.startswith("telegram:") and "secret" not in key and len(key) == 9 + 16
    same = token_budgets({"telegram": "123456:secret"}, {"telegram": 5.0})["telegram"]
    assert same.key == key  # every process with this token shares the budget


def test_a_claimed_batch_fits_a_quarter_of_its_lease() -> None:
    assert Limits().claim_size() == 200  # no shared budget: the batch size
    slow = Limits(lease=timedelta(seconds=60), budgets={"telegram": Budget("t", 2.0)})
    assert slow.claim_size() == 30  # 2/s for 15 s
    assert Limits(lease=timedelta(seconds=2), budgets={"t": Budget("t", 0.1)}).claim_size() == 1


async def test_the_engine_paces_broadcast_messages_by_the_budget(
    app: Werkbot, english_chat: RecordingChat
) -> None:
    members = [await make_member(app, f"lid{n}") for n in range(11)]
    for member_id in members:
        await app.broadcasts.service.choices.set_topic(member_id, Topic.NIEUWS, True)
    engine = app.broadcasts.engine
    engine.limits = replace(engine.limits, budgets={"console": Budget("console:test", 20.0)})
    started = time.monotonic()
    await app.broadcasts.service.broadcast(announcement("Nieuws", Topic.NIEUWS, members))
    await sent(app)
    elapsed = time.monotonic() - started
    assert len([c for c, _r in english_chat.delivered if c.chat_id.startswith("lid")]) == 11
    assert elapsed >= 10 / 20.0 - SLACK, elapsed  # 11 slots, 50 ms apart
    assert await SendBudgetRepository(app.db).next_at("console:test") is not None
