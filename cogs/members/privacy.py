"""The members module's personal-data hook, over the service.

It is ``final``: the erasure of the member record and its accounts runs after every
other module's hook, since those find the member's data through the accounts.
"""

from __future__ import annotations

from typing import Any

from cogs.members.service import MemberService


class MemberData:
    name = "members"
    final = True

    def __init__(self, service: MemberService) -> None:
        self._service = service

    async def export(self, member_id: int) -> dict[str, Any]:
        return await self._service.export(member_id)

    async def erase(self, member_id: int) -> None:
        await self._service.erase(member_id)
