"""The campaigns' personal-data hook, over the service.

Export: per campaign what the member did (state, times, how they sent it) and the words
they added to a letter; whether they are named on the leaderboard. Erasure: their actions
lose the member and their words, but keep state, addressee and segment, so a campaign's
counts stay what they were; campaigns they started no longer name them.
"""

from __future__ import annotations

from typing import Any

from cogs.campaigns.service import CampaignService


class CampaignData:
    name = "campaigns"
    final = False

    def __init__(self, service: CampaignService) -> None:
        self._service = service

    async def export(self, member_id: int) -> dict[str, Any]:
        return await self._service.export(member_id)

    async def erase(self, member_id: int) -> None:
        await self._service.erase(member_id)
