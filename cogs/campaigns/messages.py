"""The campaigns' stored messages: the prompt card and the one nudge.

Rendered once per broadcast and language by the outbox, so nothing in them is personal:
the buttons name the campaign, and the member's own action is looked up when pressed.
A card rendered after the campaign was paused or stopped says so instead.
"""

from __future__ import annotations

from typing import Any

from bot.core.commands import Registry
from bot.core.i18n import _
from bot.core.types import Reply
from cogs.campaigns import render
from cogs.campaigns.service import NUDGE_TEMPLATE, PROMPT_TEMPLATE, CampaignService
from storage.records.campaigns import CampaignStatus


class CampaignMessages:
    def __init__(self, service: CampaignService) -> None:
        self._service = service

    def register(self, registry: Registry) -> None:
        registry.template(PROMPT_TEMPLATE, self.prompt)
        registry.template(NUDGE_TEMPLATE, self.nudge)

    async def prompt(self, params: dict[str, Any]) -> Reply:
        campaign = await self._service.get(int(params["campaign"]))
        if campaign.status is not CampaignStatus.LIVE:
            return Reply(_("The campaign “{title}” has been paused or stopped.").format(title=campaign.title))
        return render.prompt(campaign)

    async def nudge(self, params: dict[str, Any]) -> Reply:
        campaign = await self._service.get(int(params["campaign"]))
        if campaign.status is not CampaignStatus.LIVE:
            return Reply(_("The campaign “{title}” has been paused or stopped.").format(title=campaign.title))
        return render.nudge(campaign)
