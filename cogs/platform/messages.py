"""The platform's stored messages, rendered by the outbox at send time.

An introduction is one broadcast per side of a group (its ``profile`` is the reader), so
each side reads about the others; the rest are the same for everyone who gets them.
"""

from __future__ import annotations

from typing import Any

from bot.core.commands import Registry
from bot.core.types import Reply
from cogs.platform import render
from cogs.platform.service import (
    ASK_TEMPLATE,
    DECLINED_TEMPLATE,
    DETAILS_TEMPLATE,
    FEEDBACK_TEMPLATE,
    INTRO_TEMPLATE,
    LEFT_OUT_TEMPLATE,
    NUDGE_TEMPLATE,
    PAUSED_TEMPLATE,
    REQUEST_TEMPLATE,
    PlatformService,
)


class PlatformMessages:
    def __init__(self, service: PlatformService) -> None:
        self._service = service

    def register(self, registry: Registry) -> None:
        registry.template(ASK_TEMPLATE, self.ask)
        registry.template(INTRO_TEMPLATE, self.intro)
        registry.template(LEFT_OUT_TEMPLATE, self.left_out)
        registry.template(NUDGE_TEMPLATE, self.nudge)
        registry.template(FEEDBACK_TEMPLATE, self.feedback)
        registry.template(PAUSED_TEMPLATE, self.paused)
        registry.template(REQUEST_TEMPLATE, self.request)
        registry.template(DETAILS_TEMPLATE, self.details)
        registry.template(DECLINED_TEMPLATE, self.declined)

    async def ask(self, params: dict[str, Any]) -> Reply:
        return render.ask(await self._service.round(int(params["round"])))

    async def intro(self, params: dict[str, Any]) -> Reply:
        group, profiles, names = await self._service.group(int(params["group"]))
        reader = profiles[int(params["profile"])]
        return render.intro(group, reader, profiles, names, await self._service.profiles.labels())

    async def left_out(self, params: dict[str, Any]) -> Reply:
        return render.left_out(str(params.get("reason", "")))

    async def nudge(self, params: dict[str, Any]) -> Reply:
        return render.nudge()

    async def feedback(self, params: dict[str, Any]) -> Reply:
        group, _profiles, _names = await self._service.group(int(params["group"]))
        return render.feedback(group)

    async def paused(self, params: dict[str, Any]) -> Reply:
        return render.paused(int(params["profile"]))

    async def request(self, params: dict[str, Any]) -> Reply:
        found, asker, _target, names = await self._service.request_of(int(params["request"]))
        return render.request(found, asker, names, await self._service.profiles.labels())

    async def details(self, params: dict[str, Any]) -> Reply:
        group_id = int(params["group"])
        group, _profiles, _names = await self._service.group(group_id)
        return render.details(await self._service.contact_cards(group_id), group.question)

    async def declined(self, params: dict[str, Any]) -> Reply:
        _found, _asker, target, names = await self._service.request_of(int(params["request"]))
        return render.declined(names.get(target.id, "?"))
