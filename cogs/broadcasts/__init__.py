"""Broadcasts: members choose topics; organizers announce; one durable engine sends every
bulk message of every module (the outbox).

One face: :func:`build` returns the module. Its ``service`` is the core's ``Broadcaster``
for other modules (``bot/app.py`` hands it to them) and answers what members chose.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.commands import Registry
from bot.core.conversation import Conversations
from bot.core.delivery import Delivery
from bot.core.directory import MemberDirectory
from bot.core.types import Chat
from cogs.broadcasts.commands import BroadcastCommands
from cogs.broadcasts.engine import Budget, Engine, Limits, token_budgets
from cogs.broadcasts.flows import ComposeFlow
from cogs.broadcasts.messages import BroadcastMessages
from cogs.broadcasts.privacy import BroadcastData
from cogs.broadcasts.service import BroadcastService, MemberChoices, MemberFacts
from storage.db import Database
from storage.repositories.notifications import NotificationRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.send_budget import SendBudgetRepository


class BroadcastsModule:
    name = "broadcasts"

    def __init__(
        self, service: BroadcastService, engine: Engine, conversations: Conversations
    ) -> None:
        self.service = service
        self.engine = engine
        self._messages = BroadcastMessages(service)
        self._commands = BroadcastCommands(service, conversations)

    def register(self, registry: Registry) -> None:
        self._commands.declare(registry)
        self._messages.register(registry)
        registry.flow(ComposeFlow(self.service, self._messages))
        registry.onboard(self._commands.onboarding)
        registry.personal_data_hook(BroadcastData(self.service))

    async def start(self) -> None:
        """The engine resumes whatever was left: pending rows go out, planned ones wait."""
        self.engine.start()

    async def stop(self) -> None:
        await self.engine.stop()


def build(
    db: Database,
    registry: Registry,
    delivery: Delivery,
    directory: MemberDirectory,
    members: MemberFacts,
    conversations: Conversations,
    *,
    verified_only: bool,
    announcement_chats: Sequence[Chat] = (),
    limits: Limits | None = None,
) -> BroadcastsModule:
    """``registry`` holds every module's message templates, which the engine renders;
    ``limits.budgets`` names the shared send budgets (:func:`token_budgets`), kept in ``db``."""
    outbox = OutboxRepository(db)
    choices = MemberChoices(NotificationRepository(db))
    engine = Engine(
        outbox,
        registry.templates,
        delivery,
        directory,
        choices,
        limits=limits,
        budget=SendBudgetRepository(db),
    )
    service = BroadcastService(
        outbox,
        choices,
        engine,
        members,
        verified_only=verified_only,
        announcement_chats=announcement_chats,
    )
    return BroadcastsModule(service, engine, conversations)


__all__ = ["BroadcastsModule", "Budget", "Limits", "build", "token_budgets"]
