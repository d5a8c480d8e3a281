"""One scheduler with a persistent job store in the same database.

Jobs are stored with a fixed function reference (:func:`planned_job`) and the job's
kind and payload as arguments; a small executor hands them to the core's job runner on
the event loop, so nothing here needs a global to find the running application. A job
that came due while Werkbot was down runs as soon as it is back (no misfire grace limit).

Why a scheduler thread and not APScheduler's asyncio scheduler: the job store speaks
SQL synchronously. On the event loop, a job store write that waits for SQLite's write
lock blocks the very loop that must finish the transaction holding that lock (an answer
batch, an outbox round): both wait until the busy timeout and the job fails with
"database is locked". So the scheduler's own work runs in its thread, planning and
cancelling run in a worker thread, and only the jobs themselves run on the loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.executors.base import BaseExecutor
from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import create_engine, event

from bot.core.planning import Dispatch

log = logging.getLogger(__name__)

JOBS_TABLE = "apscheduler_jobs"
DRAIN_SECONDS = 10.0
"""How long a stopping clock waits for the jobs that are running."""


async def planned_job(kind: str, payload: dict[str, Any]) -> None:
    """The stored reference of every job; the executor dispatches instead of calling this."""
    raise RuntimeError("planned jobs run through Clock's executor, not directly")


class _LoopExecutor(BaseExecutor):
    """Runs a due job on the event loop by giving its kind and payload to the job runner."""

    def __init__(self, dispatch: Dispatch, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._dispatch = dispatch
        self._loop = loop
        self.running: set[Future[list[JobExecutionEvent]]] = set()
        """Jobs started on the loop and not finished: the clock waits for them when it stops."""

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        async def run() -> list[JobExecutionEvent]:
            events = []
            for run_time in run_times:
                log.info("job %s (%s) runs in process %d", job.id, job.kwargs.get("kind"), os.getpid())
                try:
                    await self._dispatch(job.id, job.kwargs["kind"], job.kwargs["payload"])
                except Exception:
                    _type, exc, tb = sys.exc_info()
                    log.exception("job %s (%s) failed", job.id, job.kwargs.get("kind"))
                    events.append(
                        JobExecutionEvent(
                            EVENT_JOB_ERROR,
                            job.id,
                            job._jobstore_alias,
                            run_time,
                            exception=exc,
                            traceback=str(tb),
                        )
                    )
                else:
                    events.append(
                        JobExecutionEvent(EVENT_JOB_EXECUTED, job.id, job._jobstore_alias, run_time)
                    )
            return events

        def done(future: Future[list[JobExecutionEvent]]) -> None:
            try:
                events = future.result()
            except BaseException:
                self._run_job_error(job.id, *sys.exc_info()[1:])
            else:
                self._run_job_success(job.id, events)

        if self._loop.is_closed():
            log.warning("job %s came due after the loop closed; it runs at the next start", job.id)
            return
        future = asyncio.run_coroutine_threadsafe(run(), self._loop)
        self.running.add(future)
        future.add_done_callback(self.running.discard)
        future.add_done_callback(done)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class Clock:
    """The process's scheduler; implements the core's :class:`~bot.core.planning.Planner`."""

    def __init__(self, sync_database_url: str, dispatch: Dispatch) -> None:
        self._engine = create_engine(sync_database_url, pool_pre_ping=True)
        if self._engine.dialect.name == "sqlite":
            event.listen(self._engine, "connect", _sqlite_pragmas)
        self._dispatch = dispatch
        self._scheduler: BackgroundScheduler | None = None
        self._executor: _LoopExecutor | None = None

    def start(self, *, paused: bool = False) -> None:
        """Start beside the running event loop; jobs that came due meanwhile run now.

        ``paused``: jobs can be planned and cancelled, but none runs here (a command-line
        process that only adds an event or demo content leaves running them to the bot)."""
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self._engine, tablename=JOBS_TABLE)},
            executors={"default": self._new_executor()},
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
            timezone=UTC,
            daemon=True,
        )
        scheduler.start(paused=paused)
        self._scheduler = scheduler

    def _new_executor(self) -> _LoopExecutor:
        self._executor = _LoopExecutor(self._dispatch, asyncio.get_running_loop())
        return self._executor

    def _running(self) -> BackgroundScheduler:
        if self._scheduler is None:
            raise RuntimeError("the clock is not started")
        return self._scheduler

    async def drain(self) -> None:
        """Before :meth:`shutdown`: start no more jobs and let the running ones finish (a
        job that plans its next run needs the job store, which shutdown takes away)."""
        if self._scheduler is None or not self._scheduler.running:
            return
        self._scheduler.pause()
        executor = self._executor
        if executor is not None and executor.running:
            await asyncio.wait(
                [asyncio.wrap_future(f) for f in list(executor.running)], timeout=DRAIN_SECONDS
            )

    def pause_jobs(self) -> None:
        """Run no jobs here (another process leads); planning and cancelling still work."""
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.pause()

    def resume_jobs(self) -> None:
        """Run jobs here from now on, those that came due meanwhile first."""
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.resume()

    def wakeup(self) -> None:
        """Look at the job table now (a job another process planned may be due)."""
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.wakeup()

    def shutdown(self) -> None:
        if self._scheduler is not None and self._scheduler.running:
            # APScheduler's loop looks for due jobs once more while it stops (it wakes with
            # the state already "stopped", which it does not treat as paused): a job would
            # start in a loop that is closing, be cut off, and a one-off job be removed from
            # the store. Without its job store the last look finds nothing; the jobs stay
            # stored for the next start.
            self._scheduler.pause()
            self._scheduler.remove_jobstore("default", shutdown=True)
            self._scheduler.shutdown(wait=False)
        self._scheduler = None
        self._engine.dispose()

    async def plan(self, job_id: str, when: datetime, kind: str, payload: dict[str, Any]) -> None:
        if when.tzinfo is None:
            raise ValueError("plan() needs an aware datetime")
        scheduler = self._running()
        await asyncio.to_thread(
            scheduler.add_job,
            planned_job,
            trigger="date",
            run_date=when,
            id=job_id,
            kwargs={"kind": kind, "payload": payload},
            replace_existing=True,
        )

    async def cancel(self, job_id: str) -> bool:
        scheduler = self._running()
        try:
            await asyncio.to_thread(scheduler.remove_job, job_id)
        except JobLookupError:
            return False
        return True

    def when(self, job_id: str) -> datetime | None:
        job = self._running().get_job(job_id)
        return job.next_run_time if job is not None else None
