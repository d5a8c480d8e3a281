"""The jobs lock on PostgreSQL, in one test process: one leader among several; the lock
freed by a release or a killed connection goes to the next; a leader whose connection was
killed pauses its jobs at its next check (never two schedulers running at once)."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from bot.core.planning import Dispatch
from scheduled.clock import Clock
from scheduled.leadership import FOLLOWER, LEADER, SINGLE, Leadership
from storage.db import Database
from storage.leader import AdvisoryLock


async def nothing(job_id: str, kind: str, payload: dict[str, object]) -> None:
    return None


def leadership(url: str, dispatch: Dispatch = nothing) -> tuple[Leadership, Clock]:
    clock = Clock(Database(url).sync_url, dispatch)
    clock.start(paused=True)
    return Leadership(clock, AdvisoryLock(url), interval=60), clock


def running(clock: Clock) -> bool:
    return clock._running().state == 1  # APScheduler's STATE_RUNNING (not paused)


async def test_one_leader_and_the_next_takes_over(postgresql_url: str) -> None:
    processes = [leadership(postgresql_url) for _ in range(3)]
    try:
        for each, _clock in processes:
            await each.start()
        assert [each.role for each, _clock in processes] == [LEADER, FOLLOWER, FOLLOWER]
        assert [running(clock) for _each, clock in processes] == [True, False, False]

        await processes[0][0].stop()  # gives the lock back
        for each, _clock in processes[1:]:
            await each.step()
        assert [each.role for each, _clock in processes[1:]] == [LEADER, FOLLOWER]
        assert running(processes[1][1]) and not running(processes[0][1])
    finally:
        for each, clock in processes:
            await each.stop()
            clock.shutdown()


async def test_a_leader_whose_connection_was_killed_pauses_and_another_leads(postgresql_url: str) -> None:
    first, first_clock = leadership(postgresql_url)
    second, second_clock = leadership(postgresql_url)
    db = Database(postgresql_url)
    try:
        await first.start()
        await second.start()
        assert (first.role, second.role) == (LEADER, FOLLOWER)
        async with db.engine.begin() as conn:  # as when the network drops the leader's connection
            killed = await conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()")
            )
            assert killed.scalar_one() is True
        for _attempt in range(100):  # the server frees the lock once that backend has exited
            await second.step()
            if second.role == LEADER:
                break
            await asyncio.sleep(0.05)
        assert second.role == LEADER and running(second_clock)
        await first.step()  # the old leader finds out at its next check and stops running jobs
        assert first.role == FOLLOWER and not running(first_clock)
    finally:
        await first.stop()
        await second.stop()
        first_clock.shutdown()
        second_clock.shutdown()
        await db.dispose()


async def test_sqlite_has_one_process_that_leads(tmp_path: object) -> None:
    clock = Clock(Database(f"sqlite+aiosqlite:///{tmp_path}/one.db").sync_url, nothing)
    clock.start()
    single = Leadership(clock, None, interval=60)
    try:
        await single.start()
        assert single.role == SINGLE and single.is_leader and running(clock)
    finally:
        await single.stop()
        clock.shutdown()
