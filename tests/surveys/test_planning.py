"""Opening, closing and the reminder are planned on the clock; announcements and reminders
reach only members who chose survey news (through the outbox)."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from bot.app import Werkbot
from storage.types import utcnow
from tests.support.chat import RecordingChat, text_of
from tests.support.outbox import sent
from tests.surveys.conftest import make_member

PLANNED = """\
title: Geplande peiling
audience:
  work_situation: [zzp, loondienst]
opens: {opens}
closes: {closes}
questions:
  - type: single
    text: Ja of nee?
    options: [ja, nee]
"""


def delivered_to(chat: RecordingChat, user: str) -> list[str]:
    return [reply.text for target, reply in chat.delivered if target.chat_id == user]


async def test_planned_open_announcement_reminder_and_close(
    app: Werkbot, chat: RecordingChat
) -> None:
    start = utcnow().replace(microsecond=0)
    opens, closes = start + timedelta(days=2), start + timedelta(days=5)
    fmt = "%Y-%m-%dT%H:%M:%S+00:00"
    created = await chat.upload(
        "olga",
        "gepland.yaml",
        PLANNED.format(opens=opens.strftime(fmt), closes=closes.strftime(fmt)).encode(),
    )
    survey_id = int(text_of(created).split("Survey ", 1)[1].split(" ", 1)[0])
    await make_member(app, "fan", work="zzp")
    await make_member(app, "stil", work="loondienst")
    await make_member(app, "buiten", work="student")
    await make_member(app, "zwijger", work="zzp")  # in the audience, never chose survey news
    for user in ("fan", "stil", "buiten"):
        assert "You will hear" in text_of(await chat.say(user, "/peiling_nieuws aan"))

    planned = await chat.say("olga", f"/peiling_open {survey_id}")
    assert "opens at" in text_of(planned)
    assert app.clock.when(f"survey.open:{survey_id}") == opens
    early = await chat.say("fan", f"/stem {survey_id}")
    assert "not open yet" in text_of(early)

    with time_machine.travel(opens + timedelta(seconds=1), tick=False):
        await app.jobs.run(f"survey.open:{survey_id}", "survey.open", {"survey_id": survey_id})
        await sent(app)
        assert app.clock.when(f"survey.close:{survey_id}") == closes
        assert app.clock.when(f"survey.remind:{survey_id}") == closes - timedelta(hours=24)
        assert any("New in Jouw Stem" in t for t in delivered_to(chat, "fan"))
        assert any("New in Jouw Stem" in t for t in delivered_to(chat, "stil"))
        assert delivered_to(chat, "zwijger") == [] and delivered_to(chat, "buiten") == []
        # a second run of the same job announces nothing twice
        await app.jobs.run(f"survey.open:{survey_id}", "survey.open", {"survey_id": survey_id})
        await sent(app)
        assert len(delivered_to(chat, "fan")) == 1
        survey = await app.surveys.service.get(survey_id)
        await chat.press("fan", f"sv:a:{survey_id}:{survey.questions[0].id}:1")

    with time_machine.travel(closes - timedelta(hours=24), tick=False):
        await app.jobs.run(f"survey.remind:{survey_id}", "survey.remind", {"survey_id": survey_id})
        await app.jobs.run(f"survey.remind:{survey_id}", "survey.remind", {"survey_id": survey_id})
        await sent(app)
    reminders = [t for t in delivered_to(chat, "stil") if "Reminder" in t]
    assert len(reminders) == 1
    assert not any("Reminder" in t for t in delivered_to(chat, "fan"))
    assert delivered_to(chat, "buiten") == [] and delivered_to(chat, "zwijger") == []

    with time_machine.travel(closes + timedelta(seconds=1), tick=False):
        await app.jobs.run(f"survey.close:{survey_id}", "survey.close", {"survey_id": survey_id})
        assert (await app.surveys.service.get(survey_id)).status == "closed"
        shown = await chat.say("stil", f"/uitslag {survey_id}")
        assert "ja: 100% (1)" in text_of(shown)


async def test_closing_now_cancels_the_planned_jobs(app: Werkbot, chat: RecordingChat) -> None:
    poll = await chat.say("olga", "/peiling_nieuw Koffie? | ja | nee")
    survey_id = int(poll[0].all_buttons[0].action.split(":")[2])
    assert app.clock.when(f"survey.close:{survey_id}") is not None
    assert "is closed" in text_of(await chat.say("olga", f"/peiling_sluit {survey_id}"))
    assert app.clock.when(f"survey.close:{survey_id}") is None
    assert app.clock.when(f"survey.remind:{survey_id}") is None
    again = await chat.say("olga", f"/peiling_sluit {survey_id}")
    assert "already closed" in text_of(again)
    reopened = await chat.say("olga", f"/peiling_open {survey_id}")
    assert "cannot open again" in text_of(reopened)
    assert "There is no survey" in text_of(await chat.say("olga", "/peiling_open 999"))
