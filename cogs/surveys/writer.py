"""The group-commit writer: one task commits everyone's queued answers in batches.

A commit per answer caps SQLite at a few hundred answers a second; one transaction per
batch (each statement kind as one executemany) reaches tens of thousands. Callers await
a future that resolves only after the batch holding their answer is committed, so
"saved" always means durable. While one batch commits, the next one fills up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from storage.repositories.surveys import AnswerWrite

log = logging.getLogger(__name__)

Commit = Callable[[Sequence[AnswerWrite]], Awaitable[None]]


class WriterStopped(Exception):
    """The writer is shutting down and takes no new answers."""


class AnswerWriter:
    def __init__(
        self,
        commit: Commit,
        *,
        max_batch: int = 1000,
        close: Callable[[], None] | None = None,
    ) -> None:
        self._commit = commit
        self._close = close
        self._max_batch = max_batch
        self._pending: list[tuple[AnswerWrite, asyncio.Future[None]]] = []
        self._wake: asyncio.Future[None] | None = None
        self._idle: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.batches = 0
        self.written = 0

    def start(self) -> None:
        """Start the writer task on the running loop (also done on the first submit)."""
        if self._task is None or self._task.done():
            self._stopping = False
            self._idle = asyncio.Event()
            self._idle.set()
            self._task = asyncio.get_running_loop().create_task(self._run(), name="survey-writer")

    async def stop(self) -> None:
        """Commit what is queued, then end the task."""
        if self._task is None:
            if self._close is not None:
                self._close()
            return
        self._stopping = True
        assert self._idle is not None
        while self._pending or not self._idle.is_set():
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

    async def submit(self, write: AnswerWrite) -> None:
        """Queue one answer and return once it is committed (raises what the commit raised)."""
        if self._stopping:
            raise WriterStopped()
        if self._task is None or self._task.done():
            self.start()
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((write, future))
        wake = self._wake
        if wake is not None and not wake.done():
            wake.set_result(None)
        await future

    async def _run(self) -> None:
        assert self._idle is not None
        loop = asyncio.get_running_loop()
        while True:
            if not self._pending:
                self._wake = loop.create_future()
                await self._wake
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            self._idle.clear()
            try:
                await self._write(batch)
            finally:
                self._idle.set()

    async def _write(self, batch: list[tuple[AnswerWrite, asyncio.Future[None]]]) -> None:
        try:
            await self._commit([write for write, _future in batch])
        except Exception as error:
            if len(batch) == 1:
                write, future = batch[0]
                log.error("an answer to survey %s could not be saved: %r", write.survey_id, error)
                if not future.done():
                    future.set_exception(error)
                return
            # One bad answer must not sink the others: commit them one by one.
            for item in batch:
                await self._write([item])
            return
        self.batches += 1
        self.written += len(batch)
        for _write, future in batch:
            if not future.done():
                future.set_result(None)
