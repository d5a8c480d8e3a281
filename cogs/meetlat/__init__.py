"""The Modern Werkenden Meetlat and the Sociaal Keurmerk: members rate services,
companies and tools on the checkpoints that matter to Modern Werkenden.

One face: :func:`build` returns the module; ``bot/app.py`` registers, starts and stops
it. What the Meetlat needs from the members module (voices, verification, sponsors) is its
own protocol ``MemberFacts``; messages to many go through the core's ``Broadcaster``. The
arithmetic (:mod:`cogs.meetlat.scoring`) and the burst rule (:mod:`cogs.meetlat.signals`)
are pure functions; the scorecard is :mod:`cogs.meetlat.scorecard`.
"""

from __future__ import annotations

from bot.core.commands import Registry
from bot.core.conversation import Conversations
from bot.core.outbox import Broadcaster
from cogs.meetlat.commands import MeetlatCommands
from cogs.meetlat.demo import MeetlatDemo
from cogs.meetlat.flows import ProposeFlow, RateFlow
from cogs.meetlat.jobs import register_jobs
from cogs.meetlat.messages import MeetlatMessages
from cogs.meetlat.privacy import MeetlatData
from cogs.meetlat.service import MeetlatOptions, MeetlatService, MemberFacts
from storage.db import Database
from storage.repositories.meetlat import MeetlatRepository


class MeetlatModule:
    name = "meetlat"

    def __init__(self, service: MeetlatService, conversations: Conversations) -> None:
        self.service = service
        self._commands = MeetlatCommands(service, conversations)

    def register(self, registry: Registry) -> None:
        self._commands.declare(registry)
        MeetlatMessages(self.service).register(registry)
        registry.flow(RateFlow(self.service))
        registry.flow(ProposeFlow(self.service))
        register_jobs(registry, self.service)
        registry.personal_data_hook(MeetlatData(self.service))
        registry.demo(MeetlatDemo(self.service).load)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


def build(
    db: Database,
    members: MemberFacts,
    broadcaster: Broadcaster,
    conversations: Conversations,
    options: MeetlatOptions | None = None,
) -> MeetlatModule:
    service = MeetlatService(MeetlatRepository(db), members, broadcaster, options)
    return MeetlatModule(service, conversations)


__all__ = ["MeetlatModule", "MeetlatOptions", "MeetlatService", "build"]
