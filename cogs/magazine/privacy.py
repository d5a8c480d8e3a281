"""The magazine's personal-data hook, over the service.

Export: a member's contributions (text, file, what the editors decided) and files sent in
a conversation that did not become one. Erasure: texts, names and files go; what stays
of a contribution (kind, state, dates) says nothing about the person.
"""

from __future__ import annotations

from typing import Any

from cogs.magazine.service import MagazineService


class MagazineData:
    name = "magazine"
    final = False

    def __init__(self, service: MagazineService) -> None:
        self._service = service

    async def export(self, member_id: int) -> dict[str, Any]:
        return await self._service.export(member_id)

    async def erase(self, member_id: int) -> None:
        await self._service.erase(member_id)
