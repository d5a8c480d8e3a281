"""Demo content of Jouw Stem: one open sample survey, so anyone can try /peilingen and /stem.

The survey itself is a data file beside this module (``demo_survey.yaml``), in the same
format organizers upload; ``{closes}`` is filled in with a time two weeks ahead.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from cogs.surveys.service import SurveyService
from storage.types import utcnow

DEMO_FILE = Path(__file__).with_name("demo_survey.yaml")
DEMO_TITLE = "Jouw Stem (demo): zekerheid voor Modern Werkenden"


class SurveysDemo:
    def __init__(self, service: SurveyService) -> None:
        self._service = service

    async def load(self) -> list[str]:
        """Idempotent: nothing happens when the sample survey is there already."""
        if any(survey.title == DEMO_TITLE for survey in await self._service.all()):
            return []
        closes = (utcnow() + timedelta(days=14)).replace(second=0, microsecond=0).isoformat()
        source = DEMO_FILE.read_text(encoding="utf-8").replace("{closes}", closes)
        survey = await self._service.import_file(source, "demo")
        await self._service.open(survey.id)
        return [f"survey {survey.id}: {DEMO_TITLE}"]
