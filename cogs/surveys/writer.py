"""The group-commit writer: one task commits everyone's queued answers in batches.

A commit per answer caps SQLite at a few hundred answers a second; one transaction per
batch (each statement kind as one executemany) reaches tens of thousands. Callers await
a future that resolves only after the batch holding their answer is committed, so
"saved" always means durable. While one batch commits, the next one fills up.

All answers of one batch share one future: at tens of thousands of answers a second a
future per answer (and resolving each) is a measurable share of the path's cost. The
future's result names the answers of the batch that failed, so one bad answer still
fails alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from storage.repositories.surveys import AnswerWrite

log = logging.getLogger(__name__)

Commit = Callable[[Sequence[AnswerWrite]], Awaitable[None]]
Failures = dict[int, BaseException] | None
"""The result of a batch: None when all of it committed, else the failed answers by index."""


class WriterStopped(Exception):
    """The writer is shutting down and takes no new answers."""


class BatchFuture(asyncio.Future[Failures]):
    """A batch's future, shared by all its callers, so it is never cancelled by one of them.

    A caller whose task is cancelled while it waits learns of the cancellation once the
    batch is done (its answer is then durable or failed either way); cancelling the
    shared future would wrongly fail every other answer in the batch.
    """

    def cancel(self, msg: Any = None) -> bool:
        return False


class AnswerWriter:
    def __init__(
        self,
        commit: Commit,
        *,
        max_batch: int = 2000,
        close: Callable[[], None] | None = None,
    ) -> None:
        self._commit = commit
        self._close = close
        self._max_batch = max_batch
        # Batches waiting for the writer, oldest first; only the last one takes new answers.
        self._queue: deque[tuple[list[AnswerWrite], BatchFuture]] = deque()
        self._filling: list[AnswerWrite] | None = None
        self._future: BatchFuture | None = None
        self._wake: asyncio.Future[None] | None = None
        self._idle = asyncio.Event()
        """Set while no batch is being committed."""
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False
        self.batches = 0
        self.written = 0

    def start(self) -> None:
        """Start the writer task on the running loop (also done on the first submit)."""
        if self._task is None or self._task.done():
            self._stopping = False
            self._idle.set()
            self._loop = asyncio.get_running_loop()
            self._task = self._loop.create_task(self._run(), name="survey-writer")

    async def stop(self) -> None:
        """Commit what is queued, then end the task."""
        if self._task is None:
            if self._close is not None:
                self._close()
            return
        self._stopping = True
        while self._queue or not self._idle.is_set():
            await self._idle.wait()
            await asyncio.sleep(0)
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        self._task = None
        if self._close is not None:
            self._close()

    def enqueue(self, write: AnswerWrite) -> tuple[BatchFuture, int]:
        """Queue one answer without waiting: the batch's future and the answer's index in it.

        Await the future; its result holds this index when this answer failed.
        """
        if self._stopping:
            raise WriterStopped()
        if self._task is None or self._task.done():
            self.start()
        filling, future = self._filling, self._future
        if filling is None or future is None or len(filling) >= self._max_batch:
            filling = self._filling = []
            future = self._future = BatchFuture(loop=self._loop)
            self._queue.append((filling, future))
            wake = self._wake
            if wake is not None and not wake.done():
                wake.set_result(None)
        filling.append(write)
        return future, len(filling) - 1

    async def submit(self, write: AnswerWrite) -> None:
        """Queue one answer and return once it is committed (raises what the commit raised)."""
        future, index = self.enqueue(write)
        failures = await future
        if failures is not None and index in failures:
            raise failures[index]

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        queue = self._queue
        while True:
            if not queue:
                self._wake = loop.create_future()
                await self._wake
            writes, future = queue.popleft()
            if self._filling is writes:
                self._filling = None  # answers arriving from now on start the next batch
            self._idle.clear()
            try:
                failures = await self._write(writes)
            except BaseException as error:  # cancelled mid-commit: nobody may hang
                future.set_result(dict.fromkeys(range(len(writes)), error))
                raise
            finally:
                self._idle.set()
            future.set_result(failures)

    async def _write(self, writes: list[AnswerWrite]) -> Failures:
        try:
            await self._commit(writes)
        except Exception as error:
            if len(writes) == 1:
                log.error("an answer to survey %s could not be saved: %r", writes[0].survey_id, error)
                return {0: error}
            # One bad answer must not sink the others: commit them one by one.
            failures: dict[int, BaseException] = {}
            for index, write in enumerate(writes):
                single = await self._write([write])
                if single:
                    failures[index] = single[0]
            return failures
        self.batches += 1
        self.written += len(writes)
        return None
