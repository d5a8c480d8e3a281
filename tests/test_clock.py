"""The clock keeps planned jobs through a stop: nothing starts while it shuts down."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.core.clock import utcnow
from scheduled import Clock


async def test_a_job_due_at_shutdown_is_not_started_and_stays_planned(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    ran: list[str] = []

    async def dispatch(job_id: str, kind: str, payload: dict[str, Any]) -> None:
        ran.append(job_id)

    clock = Clock(url, dispatch)
    clock.start(paused=True)  # a command-line process: it plans, the bot runs
    await clock.plan("test:due", utcnow() - timedelta(minutes=1), "test.job", {})
    clock.shutdown()
    await asyncio.sleep(0.2)  # time for a stray run to reach the loop
    assert ran == []

    again = Clock(url, dispatch)
    again.start(paused=True)
    try:
        assert again.when("test:due") is not None
    finally:
        again.shutdown()
