"""The event loop Werkbot runs on: uvloop where it is installed (faster task switching and I/O),
else asyncio's own. Everything in Werkbot works on either."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


def event_loop_factory(prefer_uvloop: bool = True) -> Callable[[], asyncio.AbstractEventLoop] | None:
    if prefer_uvloop:
        try:
            import uvloop
        except ImportError:  # pragma: no cover - uvloop is not built for every platform
            return None
        return uvloop.new_event_loop
    return None
