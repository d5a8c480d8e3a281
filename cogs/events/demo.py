"""Demo content of events: the next Festival for Modern Werkenden on 11 May, with a small
programme, so anyone can try /evenementen, sign up, choose sessions and check in.

The event is a data file beside this module (``demo_event.yaml``), in the same format
organizers upload; ``{year}`` becomes the year of the next 11 May that is more than a
week away (sign-ups close two days before).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from bot.core.clock import LOCAL_ZONE, utcnow
from cogs.events.service import EventService

DEMO_FILE = Path(__file__).with_name("demo_event.yaml")
DEMO_TITLE = "Festival voor Modern Werkenden (demo)"


def festival_year(today: date) -> int:
    """The year of the next Dag van de Modern Werkenden (11 May) at least a week ahead."""
    this_year = date(today.year, 5, 11)
    return today.year if this_year - today >= timedelta(days=7) else today.year + 1


class EventsDemo:
    def __init__(self, service: EventService) -> None:
        self._service = service

    async def load(self) -> list[str]:
        """Idempotent: nothing happens while a demo Festival is still to come."""
        if any(event.title == DEMO_TITLE for event in await self._service.upcoming()):
            return []
        year = festival_year(utcnow().astimezone(LOCAL_ZONE).date())
        source = DEMO_FILE.read_text(encoding="utf-8").replace("{year}", str(year))
        event = await self._service.import_file(source.encode("utf-8"), "demo")
        return [f"event {event.id}: {event.title}, 11 May {year}"]
