"""Waiting for the outbox: bulk messages leave in the background, tests wait for them."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from bot.app import Werkbot
from bot.core.outbox import Broadcast
from storage.vocabulary import Topic


def announcement(text: str, topic: Topic, members: Sequence[int], **extra: Any) -> Broadcast:
    """An organizer's announcement (the broadcasts module's own template), titled by its text."""
    return Broadcast(
        title=text[:60],
        template="broadcasts.announcement",
        params={"text": text},
        topic=topic,
        members=members,
        **extra,
    )


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
