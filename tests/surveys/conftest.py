"""Helpers for the Jouw Stem tests: members made through the real member service."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import Werkbot
from config import Settings
from storage.records.surveys import NewQuestion, NewSurvey, SurveyRecord
from storage.types import utcnow
from tests.support.chat import RecordingChat

FIVE_QUESTIONS = """\
title: Werk en zekerheid
intro: Vijf korte vragen.
mode: {mode}
results: {results}
closes: {closes}
questions:
  - type: single
    text: Werk je vanuit huis?
    options: [ja, nee, soms]
    explain: true
  - type: multiple
    text: Wat mis je het meest?
    options: [pensioen, verzekering, scholing, netwerk]
    max: 2
  - type: scale
    text: Hoe tevreden ben je?
    labels: [helemaal niet, heel erg]
  - type: number
    text: Hoeveel uur werk je per week?
    min: 0
    max: 80
    required: false
  - type: text
    text: Wat moet de politiek doen?
    max_length: 200
    required: false
"""


async def make_member(
    app: Werkbot,
    user: str,
    *,
    platform: str = "console",
    work: str = "zzp",
    province: str = "utrecht",
    verified: bool = True,
) -> int:
    """A member registered and (by default) verified through the member service."""
    member_id = await app.members.service.register(
        platform,
        user,
        name=f"Lid {user}",
        email=f"{user}@example.org",
        work_situation=work,
        province=province,
        language="en",
    )
    if verified:
        code = await app.members.service.send_code(member_id, force=True)
        await app.members.service.verify(member_id, code)
    return member_id


async def open_survey(
    app: Werkbot,
    questions: tuple[NewQuestion, ...],
    *,
    mode: str = "anonymous",
    results: str = "after_close",
    audience: dict[str, list[str]] | None = None,
    hours: float = 24,
) -> SurveyRecord:
    from datetime import timedelta

    survey = await app.surveys.service.create(
        NewSurvey(
            title="Testpeiling",
            intro="",
            mode=mode,
            results=results,
            audience=audience or {},
            opens_at=None,
            closes_at=utcnow() + timedelta(hours=hours),
            created_by="test",
            questions=questions,
        )
    )
    return (await app.surveys.service.open(survey.id)).survey


def one_choice(explain: bool = False) -> tuple[NewQuestion, ...]:
    return (NewQuestion(kind="single", text="Ja of nee?", options=("ja", "nee"), explain=explain),)


@pytest.fixture
def chat(english_chat: RecordingChat) -> RecordingChat:
    """The shared recording chat, in English, so texts do not depend on the Dutch catalog."""
    return english_chat


def db_file(settings: Settings) -> Path:
    return Path(settings.database_url.split(":///", 1)[1])
