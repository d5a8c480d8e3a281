"""A member answers a five-question survey through the core, as on any platform."""

from __future__ import annotations

from datetime import timedelta

from bot.app import Werkbot
from storage.types import utcnow
from tests.support.chat import RecordingChat, text_of
from tests.surveys.conftest import FIVE_QUESTIONS, make_member


def yaml_survey(mode: str = "anonymous", results: str = "after_close", hours: int = 48) -> bytes:
    closes = (utcnow() + timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M")
    return FIVE_QUESTIONS.format(mode=mode, results=results, closes=closes).encode()


async def create_and_open(chat: RecordingChat, **kwargs: object) -> int:
    replies = await chat.upload("olga", "werk.yaml", yaml_survey(**kwargs))  # type: ignore[arg-type]
    assert "is ready as a draft with 5 questions" in text_of(replies), text_of(replies)
    survey_id = int(text_of(replies).split("Survey ", 1)[1].split(" ", 1)[0])
    opened = await chat.say("olga", f"/peiling_open {survey_id}")
    assert "is open until" in text_of(opened)
    return survey_id


async def test_a_member_walks_through_all_question_types(app: Werkbot, chat: RecordingChat) -> None:
    await make_member(app, "mia")
    survey_id = await create_and_open(chat)

    listed = await chat.say("mia", "/peilingen")
    assert "Werk en zekerheid" in text_of(listed)
    assert chat.latest_buttons["mia"][0].action == f"sv:go:{survey_id}"

    first = await chat.press("mia", 1)
    assert "question 1 of 5" in text_of(first)
    assert "anonymous" in text_of(first)
    # single choice "soms" (option 3), then the optional explanation
    note = await chat.press("mia", 3)
    assert "explain your choice" in text_of(note)
    second = await chat.say("mia", "Twee dagen per week thuis")
    assert "question 2 of 5" in text_of(second)
    # multiple choice, at most two
    await chat.press("mia", 1)
    await chat.press("mia", 3)
    too_many = await chat.press("mia", 4)
    assert "at most 2" in text_of(too_many)
    done = await chat.press(
        "mia", f"sv:d:{survey_id}:{chat.latest_buttons['mia'][-1].action.split(':')[3]}"
    )
    assert "question 3 of 5" in text_of(done)
    # back to question 2 shows what was chosen, then forward again
    back = await chat.press(
        "mia", next(b for b in chat.latest_buttons["mia"] if b.action.startswith("sv:b")).action
    )
    assert "question 2 of 5" in text_of(back)
    assert any(b.label == "☑ pensioen" for b in back[0].all_buttons)
    await chat.press(
        "mia", next(b for b in chat.latest_buttons["mia"] if b.action.startswith("sv:d")).action
    )
    # scale
    fourth = await chat.press("mia", 4)
    assert "question 4 of 5" in text_of(fourth)
    bad = await chat.say("mia", "heel veel")
    assert "Please type a number" in text_of(bad)
    out_of_range = await chat.say("mia", "120")
    assert "from 0 to 80" in text_of(out_of_range)
    fifth = await chat.say("mia", "32,5")
    assert "question 5 of 5" in text_of(fifth)
    finished = await chat.say("mia", "Zekerheid voor zzp'ers")
    assert "All your answers" in text_of(finished)

    again = await chat.say("mia", f"/stem {survey_id}")
    assert "already taken part" in text_of(again)
    listed = await chat.say("mia", "/peilingen")
    assert "✓" in text_of(listed)
