"""The stored messages of broadcasts: templates the outbox renders at send time.

A template gets the parameters stored with the broadcast and renders them in the current
language; it may read what it needs (the file of an announcement), since it runs once per
recipient, long after the organizer pressed Send.
"""

from __future__ import annotations

from typing import Any

from bot.core.commands import Registry
from bot.core.types import Reply
from cogs.broadcasts import render
from cogs.broadcasts.service import BroadcastService

ANNOUNCEMENT = "broadcasts.announcement"


class BroadcastMessages:
    def __init__(self, service: BroadcastService) -> None:
        self._service = service

    def register(self, registry: Registry) -> None:
        registry.template(ANNOUNCEMENT, self.announcement)

    async def announcement(self, params: dict[str, Any]) -> Reply:
        """``text`` (light markup), optional ``file`` (a stored file's number), optional
        ``link_url`` with ``link_label``."""
        file_id = params.get("file")
        attachment = await self._service.file(int(file_id)) if file_id else None
        link = None
        if params.get("link_url"):
            link = (str(params["link_url"]), str(params.get("link_label") or "Meer"))
        return render.announcement(str(params.get("text", "")), link, attachment)
