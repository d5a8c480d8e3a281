"""Platform Vernieuwen Doen We Samen: matchmaking between innovators and members.

One face: :func:`build` returns the module; ``bot/app.py`` registers, starts and stops
it. Rounds run on the core's ``Planner`` (the clock), every message goes through the
core's ``Broadcaster`` (the outbox), and what the platform needs from the members module
(names, e-mail, accounts for the contact details) is its own protocol ``MemberFacts``.
The pairing itself is a pure function (:mod:`cogs.platform.matching`).
"""

from __future__ import annotations

from bot.core.commands import Registry
from bot.core.conversation import Conversations
from bot.core.links import Links
from bot.core.outbox import Broadcaster
from bot.core.planning import Planner
from cogs.platform.commands import PlatformCommands
from cogs.platform.demo import PlatformDemo
from cogs.platform.flows import OrganizationFlow, ProfileFlow
from cogs.platform.jobs import register_jobs
from cogs.platform.messages import PlatformMessages
from cogs.platform.privacy import PlatformData
from cogs.platform.service import MemberFacts, PlatformOptions, PlatformService
from storage.db import Database
from storage.repositories.platform import PlatformRepository


class PlatformModule:
    name = "platform"

    def __init__(self, service: PlatformService, conversations: Conversations) -> None:
        self.service = service
        self._commands = PlatformCommands(service, conversations)

    def register(self, registry: Registry) -> None:
        self._commands.declare(registry)
        PlatformMessages(self.service).register(registry)
        registry.flow(ProfileFlow(self.service.profiles))
        registry.flow(OrganizationFlow(self.service.profiles))
        register_jobs(registry, self.service)
        registry.personal_data_hook(PlatformData(self.service))
        registry.demo(PlatformDemo(self.service).load)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


def build(
    db: Database,
    members: MemberFacts,
    broadcaster: Broadcaster,
    planner: Planner,
    links: Links,
    conversations: Conversations,
    options: PlatformOptions | None = None,
) -> PlatformModule:
    """``links``: how each platform writes an account (for the shared contact details)."""
    service = PlatformService(PlatformRepository(db), members, broadcaster, planner, links, options)
    return PlatformModule(service, conversations)


__all__ = ["PlatformModule", "PlatformOptions", "PlatformService", "build"]
