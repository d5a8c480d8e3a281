"""The Magazine van de Vernieuwing: editions for everyone, contributions for the editors.

One face: :func:`build` returns the module; ``bot/app.py`` registers, starts and stops
it. It announces editions through the core's ``Broadcaster`` (the broadcasts module's
service: only members who chose the topic "magazine" get them) and needs the list of
members (``MemberFacts``, a protocol of its own, which the members module's service
fulfils); it never reads another module's tables.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.commands import Registry
from bot.core.conversation import Conversations
from bot.core.outbox import Broadcaster
from bot.core.types import Chat
from cogs.magazine.commands import MagazineCommands
from cogs.magazine.demo import MagazineDemo
from cogs.magazine.flows import ContributionFlow, EditionFlow
from cogs.magazine.jobs import register_jobs
from cogs.magazine.messages import MagazineMessages
from cogs.magazine.privacy import MagazineData
from cogs.magazine.service import MagazineService, MemberFacts
from storage.db import Database
from storage.repositories.magazine import MagazineRepository


class MagazineModule:
    name = "magazine"

    def __init__(self, service: MagazineService, conversations: Conversations) -> None:
        self.service = service
        self._commands = MagazineCommands(service, conversations)

    def register(self, registry: Registry) -> None:
        self._commands.declare(registry)
        MagazineMessages(self.service).register(registry)
        registry.flow(EditionFlow(self.service))
        registry.flow(ContributionFlow(self.service))
        register_jobs(registry, self.service)
        registry.personal_data_hook(MagazineData(self.service))
        registry.demo(MagazineDemo(self.service).load)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


def build(
    db: Database,
    broadcaster: Broadcaster,
    members: MemberFacts,
    conversations: Conversations,
    *,
    verified_only: bool,
    announcement_chats: Sequence[Chat] = (),
) -> MagazineModule:
    """``broadcaster`` sends each new edition (the broadcasts module's service); ``members``
    lists who may get it (the members module's service); ``announcement_chats`` get every
    edition whatever the topic."""
    service = MagazineService(
        MagazineRepository(db),
        broadcaster,
        members,
        verified_only=verified_only,
        announcement_chats=announcement_chats,
    )
    return MagazineModule(service, conversations)


__all__ = ["MagazineModule", "build"]
