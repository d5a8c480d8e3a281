"""Jouw Stem's planned work: open, close and remind (kinds ``surveys.<verb>``), and the
announcements that go out through the outbox.

The service plans them on the clock when a survey opens; the database stays the source
of truth (an answer after closing time is refused even if the close job runs late).
"""

from __future__ import annotations

from typing import Any

from bot.core.commands import Registry
from bot.core.delivery import Outbound
from bot.core.outbox import Broadcast, Broadcaster
from bot.core.types import Chat
from cogs.surveys.messages import ANNOUNCEMENT, REMINDER
from cogs.surveys.service import JOB_CLOSE, JOB_OPEN, JOB_REMIND, RENAMED_JOBS, SurveyService
from storage.vocabulary import Topic


class Announcer:
    """Puts a survey's announcement and reminder on the outbox (topic "peilingen")."""

    def __init__(self, service: SurveyService, broadcaster: Broadcaster) -> None:
        self._service = service
        self._broadcaster = broadcaster

    async def announce(self, survey_id: int, report_to: Chat | None = None) -> int | None:
        """Once per survey: to the audience members who want survey news. The broadcast's
        number, or None when there was nobody to tell (or it was announced before)."""
        members = await self._service.announcement_targets(survey_id)
        if not members:
            return None
        survey = await self._service.get(survey_id)
        return await self._broadcaster.broadcast(
            Broadcast(
                title=f"Jouw Stem {survey.id}: {survey.title}"[:200],
                template=ANNOUNCEMENT,
                params={"survey_id": survey.id},
                topic=Topic.PEILINGEN,
                members=members,
                created_by=f"surveys:{survey.id}",
                report_to=report_to,
            )
        )

    async def remind(self, survey_id: int) -> int | None:
        """Once, before closing: audience members whose voice has not finished."""
        members = await self._service.reminder_targets(survey_id)
        if not members:
            return None
        survey = await self._service.get(survey_id)
        return await self._broadcaster.broadcast(
            Broadcast(
                title=f"Jouw Stem {survey.id}: herinnering"[:200],
                template=REMINDER,
                params={"survey_id": survey.id},
                topic=Topic.PEILINGEN,
                members=members,
                created_by=f"surveys:{survey.id}",
            )
        )


class SurveyJobs:
    def __init__(self, service: SurveyService, announcer: Announcer) -> None:
        self._service = service
        self._announcer = announcer

    def register(self, registry: Registry) -> None:
        registry.job(JOB_OPEN, self.open)
        registry.job(JOB_CLOSE, self.close)
        registry.job(JOB_REMIND, self.remind)
        for old, new in RENAMED_JOBS.items():
            registry.job_renamed(old, new)

    async def open(self, payload: dict[str, Any]) -> list[Outbound]:
        """The planned opening: open, then announce to those who want survey news."""
        survey_id = int(payload["survey_id"])
        if await self._service.opened_by_clock(survey_id):
            await self._announcer.announce(survey_id)
        return []

    async def close(self, payload: dict[str, Any]) -> list[Outbound]:
        await self._service.closed_by_clock(int(payload["survey_id"]))
        return []

    async def remind(self, payload: dict[str, Any]) -> list[Outbound]:
        await self._announcer.remind(int(payload["survey_id"]))
        return []
