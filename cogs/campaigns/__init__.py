"""Opjutter campaigns: calls to action that reach the right members and are counted.

One face: :func:`build` returns the module; ``bot/app.py`` registers, starts and stops
it. Prompts and nudges go through the core's ``Broadcaster`` with the topic ``acties``;
the module needs the members module only through ``MemberFacts`` and the notification
choices through ``Subscribers`` (protocols of its own), and mails letters through the
core's ``Mailer``. Addressees (MPs from the Tweede Kamer's open data, others from a CSV)
are kept by :class:`~cogs.campaigns.targets.TargetService`.
"""

from __future__ import annotations

from bot.core.commands import Registry
from bot.core.conversation import Conversations
from bot.core.mail import Mailer
from bot.core.outbox import Broadcaster
from bot.core.planning import Planner
from cogs.campaigns.commands import CampaignCommands
from cogs.campaigns.flows import CreateCampaignFlow, LetterFlow
from cogs.campaigns.jobs import register_jobs
from cogs.campaigns.messages import CampaignMessages
from cogs.campaigns.privacy import CampaignData
from cogs.campaigns.service import CampaignOptions, CampaignService, MemberFacts, Subscribers
from cogs.campaigns.targets import TargetService
from storage.db import Database
from storage.repositories.campaigns import CampaignRepository
from storage.repositories.targets import TargetRepository


class CampaignsModule:
    name = "campaigns"

    def __init__(self, service: CampaignService, conversations: Conversations) -> None:
        self.service = service
        self._commands = CampaignCommands(service, conversations)

    def register(self, registry: Registry) -> None:
        self._commands.declare(registry)
        CampaignMessages(self.service).register(registry)
        registry.flow(CreateCampaignFlow(self.service))
        registry.flow(LetterFlow(self.service))
        register_jobs(registry, self.service)
        registry.personal_data_hook(CampaignData(self.service))

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


def build(
    db: Database,
    members: MemberFacts,
    subscribers: Subscribers,
    broadcaster: Broadcaster,
    planner: Planner,
    mailer: Mailer,
    conversations: Conversations,
    *,
    odata_url: str,
    options: CampaignOptions | None = None,
) -> CampaignsModule:
    """``members``: the members module's service; ``subscribers``: the notification choices
    (the broadcasts module); ``odata_url``: the Tweede Kamer's open data (``TK_ODATA_URL``)."""
    targets = TargetService(TargetRepository(db), odata_url)
    service = CampaignService(
        CampaignRepository(db), targets, members, subscribers, broadcaster, planner, mailer, options
    )
    return CampaignsModule(service, conversations)


__all__ = ["CampaignOptions", "CampaignService", "CampaignsModule", "build"]
