"""Which process runs the planned jobs.

With SQLite there is one process and it runs them (``single``). With PostgreSQL every
process starts its scheduler paused (planning and cancelling write the shared job table
all the same) and asks for the jobs lock every ``interval`` seconds: the one that gets it
(``leader``) resumes its scheduler, the others (``follower``) wait. The leader checks that
it still holds the lock just as often and pauses at once when it lost it (its connection
broke), so at most one scheduler runs; when the leader dies its lock is free and a follower
takes over within about ``interval``. The leader also wakes its scheduler every interval:
APScheduler 3 only looks at the table when it expects a job, and a job planned by another
process would otherwise wait for that.
"""

from __future__ import annotations

import asyncio
import logging
import os

from bot.core import metrics
from scheduled.clock import Clock
from storage.leader import AdvisoryLock

log = logging.getLogger(__name__)

SINGLE, LEADER, FOLLOWER = "single", "leader", "follower"


class Leadership:
    def __init__(self, clock: Clock, lock: AdvisoryLock | None, interval: float) -> None:
        self._clock = clock
        self._lock = lock
        self._interval = interval
        self.role = SINGLE if lock is None else FOLLOWER
        self._task: asyncio.Task[None] | None = None

    @property
    def is_leader(self) -> bool:
        return self.role in (SINGLE, LEADER)

    async def start(self) -> None:
        """Ask once now (a lone process leads from its first second), then keep asking."""
        if self._lock is None:
            metrics.LEADER.set(1)
            return
        await self.step()
        self._task = asyncio.create_task(self._run(), name="leadership")

    async def step(self) -> None:
        assert self._lock is not None
        if self.role == LEADER:
            if await self._lock.held():
                self._clock.wakeup()
                return
            log.warning("process %d lost the jobs lock: planned jobs paused here", os.getpid())
            self._follow()
        if await self._lock.try_acquire():
            self.role = LEADER
            metrics.LEADER.set(1)
            log.info("process %d runs the planned jobs (leader)", os.getpid())
            self._clock.resume_jobs()

    def _follow(self) -> None:
        self.role = FOLLOWER
        metrics.LEADER.set(0)
        self._clock.pause_jobs()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.step()
            except Exception:
                log.exception("the leadership check failed; trying again")

    async def stop(self) -> None:
        """Stop asking and give the lock back (after the clock drained its jobs)."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        if self._lock is not None:
            if self.role == LEADER:
                self._follow()
            await self._lock.release()
