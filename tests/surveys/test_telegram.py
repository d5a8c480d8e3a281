"""Jouw Stem through the real Telegram adapter against the fake Bot API server."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from storage.records.surveys import NewQuestion, NewSurvey
from tests.support.chat import RecordingChat, text_of
from tests.telegram.conftest import StartBot, api, start_bot  # noqa: F401  (fixtures)
from tests.telegram.fake_bot_api import user

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

TESS = user(4711, "Tess", "en")


async def test_a_linked_member_answering_on_telegram_and_the_console_counts_once(
    start_bot: StartBot,  # noqa: F811
) -> None:
    bot = await start_bot(organizers="console:olga")
    app, fake = bot.app, bot.api
    console = RecordingChat(app.router, language_hint="en")
    member_id = await app.members.service.register(
        "console",
        "tess",
        name="Tess",
        email="tess@example.org",
        work_situation="zzp",
        province="utrecht",
        language="en",
    )
    code = await app.members.service.send_code(member_id, force=True)
    await app.members.service.verify(member_id, code)
    link, _expires = await app.members.service.new_link_code(member_id)
    await app.members.service.link("telegram", str(TESS["id"]), link)
    survey = await app.surveys.service.create(
        NewSurvey(
            "Telegram-peiling",
            "",
            "named",
            "after_close",
            {},
            None,
            None,
            "test",
            (
                NewQuestion(kind="single", text="Thuiswerken?", options=("ja", "nee")),
                NewQuestion(kind="scale", text="Tevreden?", labels=("niet", "zeer")),
            ),
        )
    )
    await app.surveys.service.open(survey.id)

    mark = await bot.say(TESS, f"/stem {survey.id}")
    first = await fake.reply(TESS["id"], "question 1 of 2", after=mark)
    assert any(a.startswith(f"sv:a:{survey.id}:") for a in first.actions)
    query = fake.press(TESS, first, first.actions[1])  # "nee"
    await fake.wait_for(
        lambda: [
            c
            for c in fake.attempts("answerCallbackQuery")
            if c.params["callback_query_id"] == query
        ],
        what="the press to be answered",
    )
    await fake.wait_for(
        lambda: [c for c in fake.calls if "question 2 of 2" in c.text],
        what="question 2 to be shown",
    )

    # The same person on the console resumes at question 2 and changes question 1.
    resumed = await console.say("tess", f"/stem {survey.id}")
    assert "question 2 of 2" in text_of(resumed)
    q1 = survey.questions[0]
    await console.press("tess", f"sv:a:{survey.id}:{q1.id}:1")
    async with app.db.engine.connect() as conn:
        responses = (await conn.execute(text("select count(*) from survey_responses"))).scalar_one()
        voices = (await conn.execute(text("select voice_key from survey_participations"))).all()
        answers = (
            await conn.execute(
                text(f"select choice from survey_answers where question_id = {q1.id}")
            )
        ).all()
    assert responses == 1 and voices == [(f"member:{member_id}",)]
    assert answers == [(1,)]
