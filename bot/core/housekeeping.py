"""Daily clean-up: personal data in abandoned conversations and expired codes does not linger.

It runs as a planned job like any other, and plans its own next run, so it also shows how a
module uses the planner.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from bot.core.commands import Registry
from bot.core.planning import Planner
from storage.types import utcnow

log = logging.getLogger(__name__)

JOB_KIND = "core_housekeeping"
JOB_ID = "core-housekeeping"
INTERVAL = timedelta(hours=24)

Purge = Callable[[], Awaitable[int]]


class Housekeeping:
    def __init__(self, planner: Planner, purges: list[Purge]) -> None:
        self._planner = planner
        self._purges = purges

    def register(self, registry: Registry) -> None:
        registry.job(JOB_KIND, self.run)

    def ensure_planned(self) -> None:
        """Plan the first run unless one is planned already (it survives restarts)."""
        if self._planner.when(JOB_ID) is None:
            self._planner.plan(JOB_ID, utcnow() + timedelta(minutes=5), JOB_KIND, {})

    async def run(self, payload: dict[str, Any]) -> None:
        removed = 0
        for purge in self._purges:
            removed += await purge()
        log.info("housekeeping removed %d expired rows", removed)
        self._planner.plan(JOB_ID, utcnow() + INTERVAL, JOB_KIND, {})
