"""Jouw Stem's personal-data hook, over the service.

Export: the surveys a member took part in, with their answers where the survey is named.
Erasure: the answers stay in the totals, every link to the person goes.
"""

from __future__ import annotations

from typing import Any

from cogs.surveys.service import SurveyService


class SurveyData:
    name = "surveys"
    final = False

    def __init__(self, service: SurveyService) -> None:
        self._service = service

    async def export(self, member_id: int) -> dict[str, Any]:
        return await self._service.export(member_id)

    async def erase(self, member_id: int) -> None:
        await self._service.erase(member_id)
