"""Demo content of the Meetlat: the checkpoints the association named (flexibiliteit,
keuzevrijheid, transparantie, autonomie, geringe bureaucratie), method v1 and a few
items, so a newcomer can rate at once. (Organizers keep the real ones.)"""

from __future__ import annotations

from datetime import UTC, datetime

from cogs.meetlat.service import MeetlatService
from storage.records.meetlat import ItemKind, NewItem

DEMO_CRITERIA = (
    ("flexibiliteit", "Flexibiliteit", "Het past zich aan jouw werk en leven aan, niet andersom."),
    ("keuzevrijheid", "Keuzevrijheid", "Je kiest zelf hoe, wanneer en hoeveel je het gebruikt."),
    ("transparantie", "Transparantie", "Prijzen, voorwaarden en beslissingen zijn vooraf helder."),
    ("autonomie", "Autonomie", "Je houdt zelf de regie over je werk en je gegevens."),
    ("weinig-bureaucratie", "Geringe bureaucratie", "Weinig formulieren, snel geregeld, een mens als het nodig is."),
)
DEMO_METHOD = (
    "Versie 1: leden die een dienst, bedrijf of tool zelf gebruikten, geven 1 tot 5 op elk ijkpunt. "
    "Scores worden naar het gemiddelde getrokken (m = 5), pas vanaf 5 beoordelaars gepubliceerd."
)
DEMO_ITEMS = (
    NewItem("Broodfonds", ItemKind.SERVICE, "https://www.broodfonds.nl", "verzekeren"),
    NewItem("Moneybird", ItemKind.TOOL, "https://www.moneybird.nl", "administratie"),
    NewItem("Temper", ItemKind.COMPANY, "https://www.temper.works", "platformwerk"),
)


class MeetlatDemo:
    def __init__(self, service: MeetlatService) -> None:
        self._service = service

    async def load(self) -> list[str]:
        """Idempotent: what exists is left as it is."""
        created = []
        existing = {c.code for c in await self._service.criteria()}
        for code, name, explanation in DEMO_CRITERIA:
            if code not in existing:
                await self._service.put_criterion(code, name, explanation)
        if len(existing) < len(DEMO_CRITERIA):
            created.append(f"meetlat: {len(DEMO_CRITERIA) - len(existing)} criteria")
        if not await self._service.methods():
            await self._service.new_method(DEMO_METHOD, datetime(2026, 1, 1, tzinfo=UTC), "demo")
            created.append("meetlat: method v1")
        known = {item.name for item in await self._service.items()}
        new = [item for item in DEMO_ITEMS if item.name not in known]
        for item in new:
            await self._service.propose(item, None, organizer=True, by="demo")
        if new:
            created.append(f"meetlat: {len(new)} items")
        return created
