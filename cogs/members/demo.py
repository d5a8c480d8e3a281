"""Demo content of the members module: one sample sponsor, so organizers see how one looks."""

from __future__ import annotations

from cogs.members.service import MemberService

DEMO_SPONSOR = "Voorbeeld Coöperatie (demo)"


class MembersDemo:
    def __init__(self, service: MemberService) -> None:
        self._service = service

    async def load(self) -> list[str]:
        """Idempotent: nothing happens when the sample sponsor is there already."""
        existing = {name for _id, name, _count in await self._service.sponsors()}
        if DEMO_SPONSOR in existing:
            return []
        await self._service.create_sponsor(DEMO_SPONSOR)
        return [f"sponsor: {DEMO_SPONSOR}"]
