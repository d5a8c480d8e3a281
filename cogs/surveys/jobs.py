"""Jouw Stem's planned work: open, close and remind (kinds ``surveys.<verb>``).

The service plans them on the clock when a survey opens; the database stays the source
of truth (an answer after closing time is refused even if the close job runs late).
"""

from __future__ import annotations

from typing import Any

from bot.core.commands import Registry
from bot.core.delivery import Outbound
from cogs.surveys import render
from cogs.surveys.service import JOB_CLOSE, JOB_OPEN, JOB_REMIND, RENAMED_JOBS, SurveyService


async def announcements(service: SurveyService, survey_id: int) -> list[Outbound]:
    """The "new survey" message for every member of the audience who wants survey news
    (once per survey: the service marks it announced). Sent on opening, by hand or planned."""
    members = await service.announcement_targets(survey_id)
    if not members:
        return []
    survey = await service.get(survey_id)
    return [Outbound(render=lambda: render.announcement(survey), member_id=m) for m in members]


class SurveyJobs:
    def __init__(self, service: SurveyService) -> None:
        self._service = service

    def register(self, registry: Registry) -> None:
        registry.job(JOB_OPEN, self.open)
        registry.job(JOB_CLOSE, self.close)
        registry.job(JOB_REMIND, self.remind)
        for old, new in RENAMED_JOBS.items():
            registry.job_renamed(old, new)

    async def open(self, payload: dict[str, Any]) -> list[Outbound]:
        """The planned opening: open, then announce to those who want survey news."""
        survey_id = int(payload["survey_id"])
        if not await self._service.opened_by_clock(survey_id):
            return []
        return await announcements(self._service, survey_id)

    async def close(self, payload: dict[str, Any]) -> list[Outbound]:
        await self._service.closed_by_clock(int(payload["survey_id"]))
        return []

    async def remind(self, payload: dict[str, Any]) -> list[Outbound]:
        """Once, before closing: audience members whose voice has not finished."""
        survey_id = int(payload["survey_id"])
        members = await self._service.reminder_targets(survey_id)
        if not members:
            return []
        survey = await self._service.get(survey_id)
        return [Outbound(render=lambda: render.reminder(survey), member_id=m) for m in members]
