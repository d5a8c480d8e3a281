"""What the composition root needs from a platform adapter."""

from __future__ import annotations

from typing import Protocol

from bot.core.types import Chat, Reply


class PlatformAdapter(Protocol):
    platform: str

    async def start(self) -> None:
        """Connect and begin handling events on the running loop (returns once started)."""
        ...

    async def stop(self) -> None:
        """Finish in-flight work and disconnect."""
        ...

    async def send(self, chat: Chat, reply: Reply) -> None: ...
