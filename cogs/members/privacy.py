"""AVG/GDPR rights: export everything held on a member, and erase it.

Every module that stores personal data registers a :class:`PersonalDataHook` on the
core registry; this service runs all of them, the members module's own hook last
(it removes the accounts that tie the member to a person).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from bot.core.commands import PersonalDataHook
from storage.repositories.members import MemberRepository
from storage.types import utcnow

log = logging.getLogger(__name__)


class MemberData(PersonalDataHook):
    name = "members"

    def __init__(self, repository: MemberRepository) -> None:
        self._repository = repository

    async def export(self, member_id: int) -> dict[str, Any]:
        return await self._repository.export(member_id)

    async def erase(self, member_id: int) -> None:
        await self._repository.erase(member_id)


class PrivacyService:
    def __init__(self, hooks: Sequence[PersonalDataHook], own: MemberData) -> None:
        self._hooks = hooks
        self._own = own

    def _ordered(self) -> list[PersonalDataHook]:
        others = [hook for hook in self._hooks if hook is not self._own]
        return [*others, self._own]

    async def export(self, member_id: int) -> bytes:
        """Everything held on a member as a readable JSON document."""
        document: dict[str, Any] = {
            "about": "Alle gegevens die Werkbot van De Werkvereniging over je bewaart / "
            "All data Werkbot of De Werkvereniging holds on you",
            "generated_at": utcnow().isoformat(),
        }
        for hook in self._ordered():
            document[hook.name] = await hook.export(member_id)
        return json.dumps(document, indent=2, ensure_ascii=False, default=str).encode()

    async def erase(self, member_id: int) -> None:
        """Erase in every module; the member's own record goes last, so a failure can be retried."""
        for hook in self._ordered():
            await hook.erase(member_id)
        log.info("member %s erased", member_id)
