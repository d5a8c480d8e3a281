"""One voice across real adapters: Telegram and Discord, each against its fake server."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from storage.records.surveys import NewQuestion, NewSurvey
from tests.discord.conftest import fake, werkbot_on_discord  # noqa: F401  (fixtures)
from tests.discord.fake import FakeDiscord
from tests.telegram.conftest import StartBot, api, start_bot  # noqa: F401  (fixtures)
from tests.telegram.fake_bot_api import user

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

TESS = user(4712, "Tess", "en")
DISCORD_TESS = 501


async def test_answers_on_telegram_and_discord_count_once(
    start_bot: StartBot,  # noqa: F811
    fake: FakeDiscord,  # noqa: F811
    werkbot_on_discord: Any,  # noqa: F811
) -> None:
    bot = await start_bot()
    app, telegram = bot.app, bot.api
    member_id = await app.members.service.register(
        "telegram",
        str(TESS["id"]),
        name="Tess",
        email="tess@example.org",
        work_situation="zzp",
        province="utrecht",
        language="en",
    )
    await app.members.service.verify(member_id, await app.members.service.send_code(member_id, force=True))
    code, _expires = await app.members.service.new_link_code(member_id)
    await app.members.service.link("discord", str(DISCORD_TESS), code)
    created = await app.surveys.service.create(
        NewSurvey(
            "Twee platforms",
            "",
            "anonymous",
            "after_close",
            {},
            None,
            None,
            "test",
            (
                NewQuestion(kind="single", text="Een?", options=("ja", "nee")),
                NewQuestion(kind="single", text="Twee?", options=("ja", "nee")),
            ),
        )
    )
    survey = (await app.surveys.service.open(created.id)).survey
    first, second = survey.questions

    mark = await bot.say(TESS, f"/stem {survey.id}")
    shown = await telegram.reply(TESS["id"], "question 1 of 2", after=mark)
    query = telegram.press(TESS, shown, f"sv:a:{survey.id}:{first.id}:1")
    await telegram.wait_for(
        lambda: [
            c
            for c in telegram.attempts("answerCallbackQuery")
            if c.params["callback_query_id"] == query
        ],
        what="the Telegram press to be answered",
    )

    async with werkbot_on_discord(app=app):
        pressed = await fake.press(f"sv:a:{survey.id}:{second.id}:2", DISCORD_TESS)
        # pressed in a server channel: acknowledged only to the member (ephemeral)
        callback = (await fake.wait_calls("POST", rf"^/interactions/{pressed}/[^/]+/callback"))[0]
        assert callback.json["data"]["flags"] & 64
        assert fake.texts(pressed) == ["Your vote is saved: nee."]
        again = await fake.press(f"sv:a:{survey.id}:{first.id}:2", DISCORD_TESS)
        await fake.wait_calls("POST", rf"^/interactions/{again}/[^/]+/callback")
        await fake.wait_for(lambda: any("already completed" in t for t in fake.texts(again)))

    async with app.db.engine.connect() as conn:
        voices = (await conn.execute(text("select voice_key from survey_participations"))).all()
        responses = (await conn.execute(text("select count(*) from survey_responses"))).scalar()
        answers = (await conn.execute(text("select question_id, choice from survey_answers"))).all()
    assert voices == [(f"member:{member_id}",)] and responses == 1
    assert sorted(answers) == sorted([(first.id, 1), (second.id, 2)])
