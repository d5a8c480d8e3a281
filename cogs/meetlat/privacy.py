"""The Meetlat's personal-data hook, over the service.

Ratings and notes are personal data. Export: the member's current ratings with their
notes, the earlier versions, the items they proposed, the items they speak for and their
appeals. Erasure: their ratings and history (so their part of every score goes), their
contact roles; items they proposed and appeals they wrote for an organization stay,
without them.
"""

from __future__ import annotations

from typing import Any

from cogs.meetlat.service import MeetlatService


class MeetlatData:
    name = "meetlat"
    final = False

    def __init__(self, service: MeetlatService) -> None:
        self._service = service

    async def export(self, member_id: int) -> dict[str, Any]:
        return await self._service.export(member_id)

    async def erase(self, member_id: int) -> None:
        await self._service.erase(member_id)
