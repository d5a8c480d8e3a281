"""What modules need to send to many: a :class:`Broadcast`, handed to a ``Broadcaster``.

Every bulk send (announcements, reminders, results, the magazine, campaign prompts) goes
through one durable engine: the broadcasts module (``cogs/broadcasts``) stores one row
per recipient and sends in the background, within each platform's limits, each message in
the recipient's language. The message is stored as a template name with parameters
(``Registry.template``), rendered at send time: a closure cannot be stored. Modules
depend on this protocol only; the composition root hands them the broadcasts service.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.core.types import Chat, Reply

Template = Callable[[dict[str, Any]], Awaitable[Reply | Sequence[Reply]]]
"""Renders a stored message in the current language (``_()``); it may read what it needs."""


@dataclass(frozen=True)
class Broadcast:
    title: str
    """For organizers: lists, progress and the final report."""
    template: str
    """A template a module registered, e.g. ``surveys.announcement``."""
    params: dict[str, Any]
    """JSON-serialisable: what the template needs."""
    topic: str | None
    """The topic members must have chosen (``storage.vocabulary.Topic``); None for a message
    about something the member asked for themselves (an event they signed up for)."""
    members: Sequence[int] = ()
    chats: Sequence[Chat] = ()
    """Announcement chats (a channel or a group): they get it whatever the topic."""
    created_by: str | None = None
    planned_at: datetime | None = None
    report_to: Chat | None = None
    """Where the progress (edited in place) and the final report go."""


class Broadcaster(Protocol):
    async def broadcast(self, spec: Broadcast) -> int:
        """Store the broadcast (members without the topic are left out) and start sending
        it in the background, or at ``planned_at``; returns its number."""
        ...

    async def broadcast_many(self, specs: Sequence[Broadcast]) -> list[int]:
        """Several broadcasts stored in one transaction (thousands of personal messages,
        such as a round's introductions, one per reader); their numbers."""
        ...


async def tell(
    broadcaster: Broadcaster, template: str, params: dict[str, Any], members: Sequence[int], title: str
) -> int | None:
    """A message to a few members about something of their own (an introduction, a decided
    proposal, an appeal's outcome): no topic, so each gets it whatever they chose; one copy
    per member; nothing when there is nobody. The broadcast's number, or None."""
    if not members:
        return None
    return await broadcaster.broadcast(
        Broadcast(title=title[:200], template=template, params=params, topic=None, members=sorted(set(members)))
    )
