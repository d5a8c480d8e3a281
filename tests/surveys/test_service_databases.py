"""The answer path and the results on SQLite and PostgreSQL, through the services only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from bot.app import Werkbot
from bot.core.errors import UserError
from bot.core.i18n import set_language
from cogs.surveys.results import compute
from config import Settings
from storage.records.surveys import NewQuestion
from tests.surveys.conftest import make_member, open_survey


@pytest.fixture
async def db_app(
    database_url: str, make_settings: Callable[..., Settings]
) -> AsyncIterator[Werkbot]:
    bot = Werkbot(make_settings(database_url=database_url))
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


async def test_many_members_concurrently_one_response_each(db_app: Werkbot) -> None:
    answering = db_app.surveys.service.answering
    repository = answering._repository
    members = [
        await make_member(db_app, f"m{n}", work="zzp" if n % 2 else "student") for n in range(30)
    ]
    sponsor = await db_app.members.service.create_sponsor("Sponsor BV")
    for member_id in members[:3]:
        await db_app.members.service.add_representative(sponsor, member_id)
    survey = await open_survey(
        db_app,
        (
            NewQuestion(kind="single", text="A?", options=("x", "y")),
            NewQuestion(kind="multiple", text="B?", options=("p", "q", "r"), max_choices=2),
            NewQuestion(kind="number", text="C?", min_value=0, max_value=10, required=False),
        ),
    )
    a, b, c = survey.questions

    async def member_answers(member_id: int, n: int) -> None:
        await answering.answer(survey.id, member_id, a.id, 1 + n % 2)
        await answering.answer(survey.id, member_id, b.id, [1, 3])
        await answering.answer(survey.id, member_id, c.id, "7,5")

    # everyone at once, and every member twice at once (double presses)
    outcomes = await asyncio.gather(
        *(member_answers(m, n) for n, m in enumerate(members)),
        *(member_answers(m, n) for n, m in enumerate(members)),
        return_exceptions=True,
    )
    # the three sponsor representatives share one voice: after its first complete
    # response the anonymous survey refuses changes; nothing else may fail
    failures = [o for o in outcomes if isinstance(o, Exception)]
    assert all(isinstance(f, UserError) for f in failures), failures
    assert await repository.response_count(survey.id) == 28  # 27 members + 1 sponsor
    assert sum((await repository.tally(a.id)).values()) == 28
    assert await repository.tally(b.id) == {1: 28, 3: 28}
    results = await compute(repository, survey)
    assert results.questions[2].mean == 7.5 and results.questions[2].n == 28
    assert results.questions[0].n == 28


async def test_limits_of_an_answer(db_app: Werkbot) -> None:
    set_language("en")  # the refusals are checked in English
    answering = db_app.surveys.service.answering
    member_id = await make_member(db_app, "grens")
    survey = await open_survey(
        db_app,
        (
            NewQuestion(kind="multiple", text="B?", options=("p", "q", "r"), max_choices=1),
            NewQuestion(kind="text", text="T?", max_length=5),
        ),
    )
    b, t = survey.questions
    with pytest.raises(UserError, match="at most 1"):
        await answering.answer(survey.id, member_id, b.id, [1, 2])
    with pytest.raises(UserError, match="cannot be skipped"):
        await answering.skip(survey.id, member_id, b.id)
    with pytest.raises(UserError, match="5 characters"):
        await answering.answer(survey.id, member_id, t.id, "te lang antwoord")
    with pytest.raises(UserError, match="not part of survey"):
        await answering.answer(survey.id, member_id, 99999, 1)
    progress = await answering.answer(survey.id, member_id, t.id, "kort")
    assert progress.next_question == b and not progress.completed
