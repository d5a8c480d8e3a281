"""Waiting for something to happen in a test: poll a condition, bounded in time, never sleep blindly."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any


async def wait_until(
    condition: Callable[[], Any],
    within: float,
    what: str,
    describe: Callable[[], str] | None = None,
) -> Any:
    """Return the first truthy value of ``condition``; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            detail = f"; {describe()}" if describe else ""
            raise AssertionError(f"timed out waiting for {what}{detail}")
        await asyncio.sleep(0.01)
