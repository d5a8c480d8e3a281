"""Demo content of the platform: the curated tag vocabulary, so anyone can make a profile
with /platform. (Organizers keep the real vocabulary with /platform_tag.)"""

from __future__ import annotations

from cogs.platform.service import PlatformService

DEMO_TAGS = (
    ("zzp-pensioen", "Pensioen voor zzp'ers"),
    ("arbeidsongeschiktheid", "Arbeidsongeschiktheid en ziekte"),
    ("financiering", "Financiering"),
    ("cooperatie", "Coöperatie of broodfonds"),
    ("scholing", "Scholing en leren"),
    ("mentoring", "Mentoring"),
    ("juridisch-advies", "Juridisch advies"),
    ("werving", "Werving en matching van werk"),
    ("combineren", "Werk en zorg combineren"),
    ("platformwerk", "Platformwerk"),
    ("data-onderzoek", "Data en onderzoek"),
    ("pilot-partner", "Partner voor een pilot"),
    ("communicatie", "Communicatie en campagnes"),
    ("lobby", "Lobby en beleid"),
)


class PlatformDemo:
    def __init__(self, service: PlatformService) -> None:
        self._service = service

    async def load(self) -> list[str]:
        """Idempotent: tags that exist are left as they are."""
        existing = await self._service.profiles.labels()
        added = 0
        for code, label in DEMO_TAGS:
            if code not in existing:
                await self._service.profiles.put_tag(code, label)
                added += 1
        return [f"platform: {added} tags"] if added else []
