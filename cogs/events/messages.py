"""The events' stored messages: the templates the outbox renders at send time.

Each is rendered once per broadcast and language, so nothing in them is personal: an
offer goes to one member (its buttons name that sign-up), a reminder or a change notice
to many (its buttons name the event; the member's own code comes with
[Mijn incheckcode]). They read the event when rendered, so a notice sent a moment after a
second change shows the latest time and calendar file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.commands import Registry
from bot.core.i18n import _
from bot.core.types import Reply
from cogs.events import render
from cogs.events.service import (
    CHANGED_TEMPLATE,
    LAPSED_TEMPLATE,
    OFFER_TEMPLATE,
    REMINDER_TEMPLATE,
    EventService,
)
from storage.records.events import SignupState


class EventMessages:
    def __init__(self, service: EventService) -> None:
        self._service = service

    def register(self, registry: Registry) -> None:
        registry.template(OFFER_TEMPLATE, self.offer)
        registry.template(REMINDER_TEMPLATE, self.reminder)
        registry.template(CHANGED_TEMPLATE, self.changed)
        registry.template(LAPSED_TEMPLATE, self.lapsed)

    async def offer(self, params: dict[str, Any]) -> Sequence[Reply]:
        """``event``, ``signup``: a freed place held for one member."""
        event = await self._service.get(int(params["event"]))
        signup = await self._service.signup(int(params["signup"]))
        if signup is None or signup.state is not SignupState.OFFERED:
            # Sent late (after a restart): the offer was claimed, declined or ran out.
            return [Reply(_("A place came free for “{title}”, but the offer is no longer open.").format(title=event.title))]
        return [render.offer(event, signup)]

    async def reminder(self, params: dict[str, Any]) -> Sequence[Reply]:
        """``event``, ``label`` (24h or 2h)."""
        event = await self._service.get(int(params["event"]))
        return render.reminder(event, str(params.get("label", "")))

    async def changed(self, params: dict[str, Any]) -> Sequence[Reply]:
        """``event``, ``kind`` (changed or cancelled): with the calendar file that updates
        or removes the event in the member's agenda."""
        event = await self._service.get(int(params["event"]))
        return render.changed(event, str(params.get("kind", "changed")))

    async def lapsed(self, params: dict[str, Any]) -> Sequence[Reply]:
        event = await self._service.get(int(params["event"]))
        return [render.lapsed(event)]
