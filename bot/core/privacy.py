"""The AVG/GDPR rights across modules: one export, one erasure, of everything.

Every module that stores personal data registers a :class:`PersonalDataHook` (with a
name of its own) on the registry; :class:`PersonalData` runs all of them. Hooks marked
``final`` (the members module's, which removes the accounts that tie the data to a
person) run last, so a failure half-way can be retried: the member still exists.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

log = logging.getLogger(__name__)


class PersonalDataHook(Protocol):
    """What a module that stores personal data offers for the AVG/GDPR rights.

    ``export`` returns everything it holds on a member (JSON-serialisable); ``erase``
    deletes it, leaving only anonymous aggregates.
    """

    name: str
    final: bool

    async def export(self, member_id: int) -> dict[str, Any]: ...

    async def erase(self, member_id: int) -> None: ...


class PersonalData:
    """Runs every registered hook; the composition root gives it the registry's list."""

    def __init__(self, hooks: Sequence[PersonalDataHook]) -> None:
        self._hooks = hooks

    def _ordered(self) -> list[PersonalDataHook]:
        return sorted(self._hooks, key=lambda hook: hook.final)  # stable: final ones last

    async def export(self, member_id: int) -> bytes:
        """Everything held on a member as one readable JSON document."""
        document: dict[str, Any] = {
            "about": "Alle gegevens die Werkbot van De Werkvereniging over je bewaart / "
            "All data Werkbot of De Werkvereniging holds on you",
            "generated_at": datetime.now(UTC).isoformat(),
        }
        for hook in self._ordered():
            document[hook.name] = await hook.export(member_id)
        return json.dumps(document, indent=2, ensure_ascii=False, default=str).encode()

    async def erase(self, member_id: int) -> None:
        """Erase in every module, the final hooks last."""
        for hook in self._ordered():
            await hook.erase(member_id)
        log.info("member %s erased", member_id)
