"""Waiting for the outbox: bulk messages leave in the background, tests wait for them."""

from __future__ import annotations

import time

from bot.app import Werkbot


async def sent(app: Werkbot, within: float = 10.0) -> None:
    """Run the outbox engine until nothing is pending or in flight (bounded in time).

    The engine's own task runs too; a round here only saves the wait for its next look.
    """
    engine = app.broadcasts.engine
    service = app.broadcasts.service
    deadline = time.monotonic() + within
    while True:
        await engine.step()
        running = [b for b in await service.recent(limit=1000) if b.status == "running"]
        if not running:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"broadcasts still running: {[b.id for b in running]}")
