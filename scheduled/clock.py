"""One AsyncIOScheduler with a persistent job store in the same database.

Jobs are stored with a fixed function reference (:func:`planned_job`) and the job's
kind and payload as arguments; a small executor hands them to the core's job runner,
so nothing here needs a global to find the running application. A job that came due
while Werkbot was down runs as soon as it is back (no misfire grace limit).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import create_engine, event

from bot.core.planning import Dispatch

log = logging.getLogger(__name__)

JOBS_TABLE = "apscheduler_jobs"


async def planned_job(kind: str, payload: dict[str, Any]) -> None:
    """The stored reference of every job; the executor dispatches instead of calling this."""
    raise RuntimeError("planned jobs run through Clock's executor, not directly")


class _Scheduler(AsyncIOScheduler):
    """APScheduler's asyncio scheduler, safe against a wake-up queued just before shutdown.

    Adding a job queues a wake-up on the loop; when the process stops right after (a test,
    a quick restart), shutdown can run first and leave no loop for the timer, and the
    wake-up then fails with "'NoneType' object has no attribute 'call_later'".
    """

    def _start_timer(self, wait_seconds: float | None) -> None:
        if self._eventloop is None:
            return
        super()._start_timer(wait_seconds)


class _DispatchExecutor(AsyncIOExecutor):
    """Runs a stored job by giving its kind and payload to the core's job runner."""

    def __init__(self, dispatch: Dispatch) -> None:
        super().__init__()
        self._dispatch = dispatch

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        async def run() -> list[JobExecutionEvent]:
            events = []
            for run_time in run_times:
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

        def done(future: asyncio.Future[list[JobExecutionEvent]]) -> None:
            self._pending_futures.discard(future)
            try:
                events = future.result()
            except BaseException:
                self._run_job_error(job.id, *sys.exc_info()[1:])
            else:
                self._run_job_success(job.id, events)

        future = self._eventloop.create_task(run())
        future.add_done_callback(done)
        self._pending_futures.add(future)


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
        self._scheduler = _Scheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self._engine, tablename=JOBS_TABLE)},
            executors={"default": _DispatchExecutor(dispatch)},
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
            timezone=UTC,
        )

    def start(self) -> None:
        """Start on the running event loop; jobs that came due meanwhile run now."""
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        self._engine.dispose()

    def plan(self, job_id: str, when: datetime, kind: str, payload: dict[str, Any]) -> None:
        if when.tzinfo is None:
            raise ValueError("plan() needs an aware datetime")
        self._scheduler.add_job(
            planned_job,
            trigger="date",
            run_date=when,
            id=job_id,
            kwargs={"kind": kind, "payload": payload},
            replace_existing=True,
        )

    def cancel(self, job_id: str) -> bool:
        try:
            self._scheduler.remove_job(job_id)
        except JobLookupError:
            return False
        return True

    def when(self, job_id: str) -> datetime | None:
        job = self._scheduler.get_job(job_id)
        return job.next_run_time if job is not None else None
