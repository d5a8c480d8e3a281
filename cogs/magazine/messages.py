"""The magazine's stored message: the template the outbox renders at send time.

``magazine.edition`` reads the edition when it is rendered, once per recipient, in the
recipient's language: the cover with the summary and a link button, and the PDF as a
second message when the edition has one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.commands import Registry
from bot.core.types import Reply
from cogs.magazine import render
from cogs.magazine.service import EDITION_TEMPLATE, MagazineService


class MagazineMessages:
    def __init__(self, service: MagazineService) -> None:
        self._service = service

    def register(self, registry: Registry) -> None:
        registry.template(EDITION_TEMPLATE, self.edition)

    async def edition(self, params: dict[str, Any]) -> Sequence[Reply]:
        """``edition_id``: the stored edition's id."""
        record = await self._service.edition(int(params["edition_id"]))
        return render.edition(record, await self._service.edition_files(record))
