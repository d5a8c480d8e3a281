"""How cogs plan work for later, without touching the scheduler itself.

The database is the source of truth and the scheduler is only a clock: a cog stores what
it needs in its own tables and plans a job ``kind`` with a small JSON payload; when the
time comes the job handler it registered runs and returns messages to deliver.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol

from bot.core.commands import Registry
from bot.core.delivery import Delivery
from bot.core.metrics import JOB_RUNS

log = logging.getLogger(__name__)

Dispatch = Callable[[str, str, dict[str, Any]], Awaitable[None]]


class Planner(Protocol):
    async def plan(self, job_id: str, when: datetime, kind: str, payload: dict[str, Any]) -> None:
        """Run the handler of ``kind`` at ``when`` (replacing a job with the same id)."""
        ...

    async def cancel(self, job_id: str) -> bool: ...

    def when(self, job_id: str) -> datetime | None: ...


class JobRunner:
    """Runs a due job: finds the handler its cog registered and delivers what it returns."""

    def __init__(self, registry: Registry, delivery: Delivery) -> None:
        self._registry = registry
        self._delivery = delivery

    async def run(self, job_id: str, kind: str, payload: dict[str, Any]) -> None:
        """Counted per kind for ``/metrics``: ``ok``, or ``error`` when it failed or no
        module handles its kind."""
        handler = self._registry.job_handler(kind)
        if handler is None:
            JOB_RUNS.labels(kind, "error").inc()
            log.error("job %s has kind %r that no module handles; dropped", job_id, kind)
            return
        try:
            outbound = await handler(payload)
            if outbound:
                await self._delivery.deliver_all(list(outbound))
        except Exception:
            JOB_RUNS.labels(kind, "error").inc()
            raise
        JOB_RUNS.labels(kind, "ok").inc()
