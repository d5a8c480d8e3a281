"""The Meetlat's planned work: once a day, marks past their validity expire and marks
that items earned are awarded (``meetlat.marks``)."""

from __future__ import annotations

from bot.core.commands import Registry
from cogs.meetlat.service import MARKS_JOB, MeetlatService


def register_jobs(registry: Registry, service: MeetlatService) -> None:
    registry.housekeeping(MARKS_JOB, service.refresh_marks)
