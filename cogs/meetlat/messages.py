"""The Meetlat's stored messages, rendered by the outbox at send time."""

from __future__ import annotations

from typing import Any

from bot.core.commands import Registry
from bot.core.types import Reply
from cogs.meetlat import render
from cogs.meetlat.service import (
    DECIDED_TEMPLATE,
    MARK_TEMPLATE,
    METHOD_TEMPLATE,
    ORGANIZERS_TEMPLATE,
    RANKING_TEMPLATE,
    RULING_TEMPLATE,
    MeetlatService,
)
from storage.records.meetlat import ItemKind


class MeetlatMessages:
    def __init__(self, service: MeetlatService) -> None:
        self._service = service

    def register(self, registry: Registry) -> None:
        registry.template(METHOD_TEMPLATE, self.method)
        registry.template(RANKING_TEMPLATE, self.ranking)
        registry.template(DECIDED_TEMPLATE, self.decided)
        registry.template(ORGANIZERS_TEMPLATE, self.organizers)
        registry.template(MARK_TEMPLATE, self.mark)
        registry.template(RULING_TEMPLATE, self.ruling)

    async def method(self, params: dict[str, Any]) -> Reply:
        method = await self._service.method(int(params["version"]))
        return render.method_announcement(method, {c.id: c for c in await self._service.criteria()})

    async def ranking(self, params: dict[str, Any]) -> Reply:
        kind = ItemKind(params["kind"]) if params.get("kind") else None
        sector = params.get("sector") or None
        listed = await self._service.standings(kind=kind, sector=sector)
        return render.ranking(listed, render.ranking_heading(kind, sector))

    async def decided(self, params: dict[str, Any]) -> Reply:
        return render.decided(await self._service.item(int(params["item"]), approved=False))

    async def organizers(self, params: dict[str, Any]) -> Reply:
        return render.organizers_notice(str(params.get("what", "")), int(params["id"]))

    async def mark(self, params: dict[str, Any]) -> Reply:
        found = await self._service.standing(int(params["item"]))
        return render.mark_awarded(found.item, found.mark)

    async def ruling(self, params: dict[str, Any]) -> Reply:
        appeal = await self._service.appeal_of(int(params["appeal"]))
        return render.ruling(appeal, await self._service.item(appeal.item_id, approved=False))
