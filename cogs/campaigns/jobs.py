"""The campaigns' planned work.

``campaigns.nudge`` is planned when a member presses [Later] (one per action; the
database makes sure it is sent once). Daily: ``campaigns.prompts`` asks, in every running
campaign, the members who were over their weekly limit before; ``campaigns.nudges``
catches a nudge whose job was lost.
"""

from __future__ import annotations

from bot.core.commands import Registry
from cogs.campaigns.service import NUDGE, CampaignService

PROMPTS = "campaigns.prompts"
LOST_NUDGES = "campaigns.nudges"


def register_jobs(registry: Registry, service: CampaignService) -> None:
    registry.job(NUDGE, service.nudge)
    registry.housekeeping(PROMPTS, service.prompt_all)
    registry.housekeeping(LOST_NUDGES, service.nudge_lost)
