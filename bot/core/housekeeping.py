"""Daily clean-up: personal data in abandoned conversations and expired codes does not linger.

Modules declare what to clean (``Registry.housekeeping``); this runs all of it once a day
as a planned job like any other, and plans its own next run.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from bot.core.clock import utcnow
from bot.core.commands import Purge, Registry
from bot.core.planning import Planner

log = logging.getLogger(__name__)

JOB_KIND = "core.housekeeping"
JOB_ID = "core-housekeeping"
INTERVAL = timedelta(hours=24)


class Housekeeping:
    def __init__(self, planner: Planner, purges: Mapping[str, Purge]) -> None:
        self._planner = planner
        self._purges = purges

    def register(self, registry: Registry) -> None:
        registry.job(JOB_KIND, self.run)
        registry.job_renamed("core_housekeeping", JOB_KIND)

    async def ensure_planned(self) -> None:
        """Plan the first run unless one is planned already (it survives restarts)."""
        if self._planner.when(JOB_ID) is None:
            await self._planner.plan(JOB_ID, utcnow() + timedelta(minutes=5), JOB_KIND, {})

    async def run(self, payload: dict[str, Any]) -> None:
        removed = 0
        for name, purge in self._purges.items():
            try:
                removed += await purge()
            except Exception:  # one module's clean-up failing must not stop the others
                log.exception("housekeeping %s failed", name)
        log.info("housekeeping removed %d expired rows", removed)
        await self._planner.plan(JOB_ID, utcnow() + INTERVAL, JOB_KIND, {})
