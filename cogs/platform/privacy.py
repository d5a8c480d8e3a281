"""The platform's personal-data hook, over the service.

Export: the member's profiles (their own and the organizations they speak for), their
private never-list and the history of introductions. Erasure: their own profile with its
history, their never-list and their place as a contact (an organization left without a
contact goes too). The other side of a past introduction keeps only that it happened.
"""

from __future__ import annotations

from typing import Any

from cogs.platform.service import PlatformService


class PlatformData:
    name = "platform"
    final = False

    def __init__(self, service: PlatformService) -> None:
        self._service = service

    async def export(self, member_id: int) -> dict[str, Any]:
        return await self._service.export(member_id)

    async def erase(self, member_id: int) -> None:
        await self._service.erase(member_id)
