"""One person one vote: linked accounts, sponsors, double presses, closing, restarts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import time_machine
from sqlalchemy import text

from bot.app import Werkbot
from bot.core.types import Identity
from config import Settings
from storage.records.surveys import NewQuestion
from tests.support.chat import RecordingChat, text_of
from tests.surveys.conftest import make_member, one_choice, open_survey


async def count(app: Werkbot, sql: str) -> int:
    async with app.db.engine.connect() as conn:
        return int((await conn.execute(text(sql))).scalar_one())


async def test_linked_accounts_on_two_platforms_count_once(
    app: Werkbot, chat: RecordingChat
) -> None:
    member_id = await make_member(app, "tom")
    code, _expires = await app.members.service.new_link_code(member_id)
    await app.members.service.link("telegram", "4242", code)
    telegram = RecordingChat(app.router, platform="telegram", language_hint="en")
    survey = await open_survey(app, one_choice(), mode="named")
    question = survey.questions[0]

    first = await chat.press("tom", f"sv:a:{survey.id}:{question.id}:1")
    assert "saved" in text_of(first)
    # The same person on Telegram: same voice, so the same response; named mode lets them change it.
    second = await telegram.press("4242", f"sv:a:{survey.id}:{question.id}:2")
    assert "saved" in text_of(second)
    assert await count(app, "select count(*) from survey_participations") == 1
    assert await count(app, "select count(*) from survey_responses") == 1
    assert await app.surveys.service.answering._repository.tally(question.id) == {2: 1}


async def test_linked_accounts_cannot_vote_twice_in_an_anonymous_survey(
    app: Werkbot, chat: RecordingChat
) -> None:
    member_id = await make_member(app, "ann")
    code, _expires = await app.members.service.new_link_code(member_id)
    await app.members.service.link("telegram", "77", code)
    telegram = RecordingChat(app.router, platform="telegram", language_hint="en")
    survey = await open_survey(app, one_choice())
    question = survey.questions[0]
    await chat.press("ann", f"sv:a:{survey.id}:{question.id}:1")
    refused = await telegram.press("77", f"sv:a:{survey.id}:{question.id}:2")
    assert "already completed" in text_of(refused)
    assert await count(app, "select count(*) from survey_answers") == 1


async def test_two_sponsor_representatives_share_one_voice(
    app: Werkbot, chat: RecordingChat
) -> None:
    first = await make_member(app, "rep1", work="loondienst")
    second = await make_member(app, "rep2", work="zzp")
    sponsor = await app.members.service.create_sponsor("Coöperatie Samen")
    await app.members.service.add_representative(sponsor, first)
    await app.members.service.add_representative(sponsor, second)
    survey = await open_survey(app, one_choice(), mode="named")
    question = survey.questions[0]

    await chat.press("rep1", f"sv:a:{survey.id}:{question.id}:1")
    await chat.press("rep2", f"sv:a:{survey.id}:{question.id}:2")
    assert await count(app, "select count(*) from survey_responses") == 1
    async with app.db.engine.connect() as conn:
        voices = (await conn.execute(text("select voice_key from survey_participations"))).all()
    assert voices == [(f"sponsor:{sponsor}",)]
    assert await app.surveys.service.answering._repository.tally(question.id) == {2: 1}


async def test_fifty_concurrent_presses_store_one_answer(app: Werkbot, chat: RecordingChat) -> None:
    await make_member(app, "fast")
    survey = await open_survey(
        app,
        (
            NewQuestion(kind="single", text="Een?", options=("a", "b")),
            NewQuestion(kind="single", text="Twee?", options=("a", "b")),
        ),
    )
    question = survey.questions[0]
    action = f"sv:a:{survey.id}:{question.id}:2"
    results = await asyncio.gather(*(chat.press("fast", action) for _ in range(50)))
    assert all("Something went wrong" not in text_of(r) for r in results)
    assert await count(app, "select count(*) from survey_answers") == 1
    assert await count(app, "select count(*) from survey_participations") == 1
    assert await count(app, "select count(*) from survey_responses") == 1


async def test_concurrent_presses_of_different_options_leave_one_choice(
    app: Werkbot, chat: RecordingChat
) -> None:
    await make_member(app, "dubbel")
    survey = await open_survey(app, one_choice(), mode="named")
    question = survey.questions[0]
    presses = [f"sv:a:{survey.id}:{question.id}:{1 + i % 2}" for i in range(20)]
    await asyncio.gather(*(chat.press("dubbel", action) for action in presses))
    assert await count(app, "select count(*) from survey_answers") == 1


async def test_a_survey_closing_mid_way_keeps_saved_answers_and_refuses_the_rest(
    app: Werkbot, chat: RecordingChat
) -> None:
    await make_member(app, "halfway")
    questions = tuple(
        NewQuestion(kind="single", text=f"Vraag {n}?", options=("ja", "nee")) for n in range(1, 4)
    )
    survey = await open_survey(app, questions)
    q1, q2, q3 = survey.questions
    await chat.press("halfway", f"sv:a:{survey.id}:{q1.id}:1")
    await chat.press("halfway", f"sv:a:{survey.id}:{q2.id}:2")
    closed = await chat.say("olga", f"/peiling_sluit {survey.id}")
    assert "is closed" in text_of(closed)

    late = await chat.press("halfway", f"sv:a:{survey.id}:{q3.id}:1")
    assert "closed; it takes no more answers" in text_of(late)
    repository = app.surveys.service.answering._repository
    assert await repository.tally(q1.id) == {1: 1}
    assert await repository.tally(q2.id) == {2: 1}
    assert await repository.tally(q3.id) == {}
    shown = await chat.say("halfway", f"/uitslag {survey.id}")
    assert "Respondents: 1" in text_of(shown)


async def test_a_survey_closed_a_second_ago_takes_no_answer(
    app: Werkbot, chat: RecordingChat
) -> None:
    await make_member(app, "laat")
    survey = await open_survey(app, one_choice(), hours=1)
    question = survey.questions[0]
    assert survey.closes_at is not None
    with time_machine.travel(survey.closes_at + timedelta(seconds=1), tick=False):
        late = await chat.press("laat", f"sv:a:{survey.id}:{question.id}:1")
    assert "closed; it takes no more answers" in text_of(late)
    assert await count(app, "select count(*) from survey_answers") == 0
    with time_machine.travel(survey.closes_at - timedelta(seconds=1), tick=False):
        in_time = await chat.press("laat", f"sv:a:{survey.id}:{question.id}:1")
    assert "saved" in text_of(in_time)


async def test_only_registered_and_verified_members_answer(
    app: Werkbot, chat: RecordingChat
) -> None:
    await make_member(app, "unverified", verified=False)
    survey = await open_survey(app, one_choice())
    action = f"sv:a:{survey.id}:{survey.questions[0].id}:1"
    assert "registered members" in text_of(await chat.press("guest", action))
    assert "confirm your e-mail" in text_of(await chat.press("unverified", action))
    assert await count(app, "select count(*) from survey_answers") == 0
    # Verified a moment later: the refusal is not remembered (voters are cached for minutes).
    member_id = (await app.members.service.caller(Identity("console", "unverified"))).member_id
    assert member_id is not None
    code = await app.members.service.send_code(member_id, force=True)
    await app.members.service.verify(member_id, code)
    assert "saved" in text_of(await chat.press("unverified", action))


async def test_the_audience_limits_who_answers(app: Werkbot, chat: RecordingChat) -> None:
    await make_member(app, "zzper", work="zzp")
    await make_member(app, "student", work="student")
    survey = await open_survey(app, one_choice(), audience={"work_situation": ["zzp"]})
    action = f"sv:a:{survey.id}:{survey.questions[0].id}:1"
    assert "not for you" in text_of(await chat.press("student", action))
    assert "saved" in text_of(await chat.press("zzper", action))
    assert "no open surveys" in text_of(await chat.say("student", "/peilingen"))


async def test_a_restart_resumes_at_the_next_question(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(organizers="console:olga")
    first = Werkbot(settings)
    await first.start()
    try:
        chat = RecordingChat(first.router, language_hint="en")
        await make_member(first, "pauze")
        questions = tuple(
            NewQuestion(kind="single", text=f"Vraag {n}?", options=("ja", "nee"))
            for n in range(1, 6)
        )
        survey = await open_survey(first, questions)
        for question in survey.questions[:2]:
            await chat.press("pauze", f"sv:a:{survey.id}:{question.id}:1")
    finally:
        await first.stop()

    second = Werkbot(settings)
    await second.start()
    try:
        chat = RecordingChat(second.router, language_hint="en")
        resumed = await chat.say("pauze", f"/stem {survey.id}")
        assert "question 3 of 5" in text_of(resumed)
        assert "Vraag 3?" in text_of(resumed)
    finally:
        await second.stop()


async def test_garbage_buttons_get_a_short_answer(app: Werkbot, chat: RecordingChat) -> None:
    await make_member(app, "rommel")
    for action in ("sv:a:x:y:z", "sv:a:999:1:1", "sv:zz", "sv:", "sv:a:1", "sv:go:abc"):
        replies = await chat.press("rommel", action)
        assert replies and len(text_of(replies)) < 200, action
        assert "Something went wrong" not in text_of(replies), action
    survey = await open_survey(app, one_choice())
    wrong = await chat.press("rommel", f"sv:a:{survey.id}:{survey.questions[0].id}:9")
    assert "choose one of the buttons" in text_of(wrong)


async def test_saved_answers_are_fsynced_before_the_member_is_told(
    app: Werkbot, chat: RecordingChat
) -> None:
    """synchronous=FULL on the answer writer and the engine: "saved" survives a power loss."""
    await make_member(app, "fien")
    survey = await open_survey(app, one_choice())
    question = survey.questions[0]
    saved = await chat.press("fien", f"sv:a:{survey.id}:{question.id}:1")
    assert "saved" in text_of(saved)
    direct = app.surveys.service.answering._repository._direct
    assert direct is not None and direct.synchronous == 2
    assert await count(app, "select count(*) from survey_answers") == 1


async def test_a_new_sponsor_representative_counts_with_the_sponsor_at_once(
    app: Werkbot, chat: RecordingChat
) -> None:
    """Making a member a representative drops their cached voice: no second sponsor vote."""
    first = await make_member(app, "eerste")
    late = await make_member(app, "later")
    sponsor = await app.members.service.create_sponsor("Stichting Nu")
    await app.members.service.add_representative(sponsor, first)
    warm_up = await open_survey(app, one_choice())
    survey = await open_survey(app, one_choice())
    question = survey.questions[0]
    # "later" answers something first, so their voice (as themselves) is cached.
    assert "saved" in text_of(
        await chat.press("later", f"sv:a:{warm_up.id}:{warm_up.questions[0].id}:1")
    )
    assert "saved" in text_of(await chat.press("eerste", f"sv:a:{survey.id}:{question.id}:1"))
    await app.members.service.add_representative(sponsor, late)
    refused = await chat.press("later", f"sv:a:{survey.id}:{question.id}:2")
    assert "already completed" in text_of(refused)
    responses = f"select count(*) from survey_responses where survey_id = {survey.id}"
    assert await count(app, responses) == 1
