"""Demo content of the magazine: one sample edition, so anyone can try /magazine."""

from __future__ import annotations

from datetime import date

from cogs.magazine.service import MagazineService
from storage.records.magazine import NewEdition

DEMO_NUMBER = 1
DEMO_TITLE = "Werk in vernieuwing (demo)"
DEMO_SUMMARY = (
    "Het eerste nummer van het Magazine van de Vernieuwing: Modern Werkenden over "
    "zekerheid zonder vaste baan, advies uit het netwerk van Platform Vernieuwen Doen We "
    "Samen, en wat de politiek nu kan regelen. Dit is een voorbeeldeditie."
)
DEMO_LINK = "https://dewerkvereniging.nl/magazine"


class MagazineDemo:
    def __init__(self, service: MagazineService) -> None:
        self._service = service

    async def load(self) -> list[str]:
        """Idempotent: nothing happens when an edition number 1 is there already."""
        if any(edition.number == DEMO_NUMBER for edition in await self._service.editions(1000)):
            return []
        edition = await self._service.publish(
            NewEdition(
                number=DEMO_NUMBER,
                title=DEMO_TITLE,
                published_on=date(2026, 5, 11),
                summary=DEMO_SUMMARY,
                link_url=DEMO_LINK,
                cover_file_id=None,
                pdf_file_id=None,
                created_by="demo",
            )
        )
        return [f"magazine edition #{edition.number}: {edition.title}"]
