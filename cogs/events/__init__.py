"""Events: the Festival on 11 May and the association's gatherings.

One face: :func:`build` returns the module; ``bot/app.py`` registers, starts and stops
it. Members sign up on any platform for one shared list; the database decides who gets a
place (``storage/repositories/events.py``). Reminders, offers and change notices go
through the core's ``Broadcaster`` (the outbox, topic-free: the member asked for them);
the module needs the members module only through ``MemberFacts`` (a protocol of its
own) and mirrors events on Discord through the core's ``Mirrors`` when an adapter
offers it. It never reads another module's tables.
"""

from __future__ import annotations

from bot.core.commands import Registry
from bot.core.conversation import Conversations
from bot.core.links import Links
from bot.core.mirror import Mirrors
from bot.core.outbox import Broadcaster
from bot.core.planning import Planner
from cogs.events.commands import EventCommands
from cogs.events.demo import EventsDemo
from cogs.events.flows import ChangeEventFlow, CreateEventFlow
from cogs.events.jobs import register_jobs
from cogs.events.messages import EventMessages
from cogs.events.privacy import EventData
from cogs.events.service import EventOptions, EventService, MemberFacts
from storage.db import Database
from storage.repositories.events import EventRepository


class EventsModule:
    name = "events"

    def __init__(
        self, service: EventService, conversations: Conversations, links: Links
    ) -> None:
        self.service = service
        self._commands = EventCommands(service, conversations, links)

    def register(self, registry: Registry) -> None:
        self._commands.declare(registry)
        EventMessages(self.service).register(registry)
        registry.flow(CreateEventFlow(self.service))
        registry.flow(ChangeEventFlow(self.service))
        register_jobs(registry, self.service)
        registry.personal_data_hook(EventData(self.service))
        registry.demo(EventsDemo(self.service).load)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


def build(
    db: Database,
    members: MemberFacts,
    broadcaster: Broadcaster,
    planner: Planner,
    mirrors: Mirrors,
    links: Links,
    conversations: Conversations,
    options: EventOptions | None = None,
) -> EventsModule:
    """``members``: the members module's service; ``broadcaster``: the broadcasts module's;
    ``planner``: the clock; ``mirrors``: platforms that copy events (Discord);
    ``links``: links only a platform can make (the check-in QR code's), known once it runs."""
    service = EventService(EventRepository(db), members, broadcaster, planner, mirrors, options)
    return EventsModule(service, conversations, links)


__all__ = ["EventOptions", "EventService", "EventsModule", "build"]
