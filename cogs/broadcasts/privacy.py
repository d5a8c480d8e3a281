"""The broadcasts module's personal-data hook: topics, channel, what a member received."""

from __future__ import annotations

from typing import Any

from cogs.broadcasts.service import BroadcastService


class BroadcastData:
    name = "broadcasts"
    final = False

    def __init__(self, service: BroadcastService) -> None:
        self._service = service

    async def export(self, member_id: int) -> dict[str, Any]:
        return await self._service.export(member_id)

    async def erase(self, member_id: int) -> None:
        await self._service.erase(member_id)
