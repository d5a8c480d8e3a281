"""Jouw Stem's stored messages: templates the outbox renders at send time.

The new-survey announcement, the reminder and the published results. Each reads the survey
when it is rendered, so a message sent an hour after the survey was announced shows the
survey as it is then.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.commands import Registry
from bot.core.types import Reply
from cogs.surveys import render
from cogs.surveys.service import SurveyService

ANNOUNCEMENT = "surveys.announcement"
REMINDER = "surveys.reminder"
RESULTS = "surveys.results"


class SurveyMessages:
    def __init__(self, service: SurveyService) -> None:
        self._service = service

    def register(self, registry: Registry) -> None:
        registry.template(ANNOUNCEMENT, self.announcement)
        registry.template(REMINDER, self.reminder)
        registry.template(RESULTS, self.results)

    async def announcement(self, params: dict[str, Any]) -> Reply:
        return render.announcement(await self._service.get(int(params["survey_id"])))

    async def reminder(self, params: dict[str, Any]) -> Reply:
        return render.reminder(await self._service.get(int(params["survey_id"])))

    async def results(self, params: dict[str, Any]) -> Sequence[Reply]:
        results = await self._service.visible_results(int(params["survey_id"]), organizer=True)
        return render.results(results, private=False)
