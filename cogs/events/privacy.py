"""The events' personal-data hook, over the service.

Export: a member's sign-ups (state, guest, sessions, check-in code and time) and the
events they check people in at. Erasure: the sign-ups, session choices and door-staff
roles go; a place they held is offered to the waitlist. Counts of an event that has
passed lose that member too: nothing says they were there.
"""

from __future__ import annotations

from typing import Any

from cogs.events.service import EventService


class EventData:
    name = "events"
    final = False

    def __init__(self, service: EventService) -> None:
        self._service = service

    async def export(self, member_id: int) -> dict[str, Any]:
        return await self._service.export(member_id)

    async def erase(self, member_id: int) -> None:
        await self._service.erase(member_id)
