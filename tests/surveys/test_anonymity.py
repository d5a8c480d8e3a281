"""Anonymous surveys: nothing in the database file ties a member to what they answered."""

from __future__ import annotations

import json
import re

from sqlalchemy import text

from bot.app import Werkbot
from storage.records.surveys import NewQuestion
from tests.support.chat import RecordingChat, text_of
from tests.surveys.conftest import db_file, make_member, open_survey

SECRET_ANSWER = "Zebrapad-antwoord-8271"


async def test_the_database_file_holds_no_link_between_member_and_answers(
    app: Werkbot, chat: RecordingChat
) -> None:
    member_id = await make_member(app, "geheim")
    others = [await make_member(app, f"ander{n}") for n in range(3)]
    survey = await open_survey(
        app,
        (
            NewQuestion(kind="single", text="Kies", options=("ja", "nee")),
            NewQuestion(kind="text", text="Waarom?", max_length=100),
        ),
    )
    choice, _why = survey.questions
    for n, _other in enumerate(others):
        await chat.press(f"ander{n}", f"sv:a:{survey.id}:{choice.id}:1")
        await chat.say(f"ander{n}", f"reden {n}")
    await chat.press("geheim", f"sv:a:{survey.id}:{choice.id}:2")
    assert "question 2 of 2" in text_of(await chat.say("geheim", f"/stem {survey.id}"))
    await chat.say("geheim", SECRET_ANSWER)
    voice = f"member:{member_id}"

    # Structure: no column next to the answers can hold a member or a voice, nor a time.
    async with app.db.engine.connect() as conn:
        for table in ("survey_answers", "survey_responses"):
            columns = {
                row[1]: row[2] for row in await conn.execute(text(f"pragma table_info({table})"))
            }
            assert "voice_key" not in columns and "created_at" not in columns
            assert not any(
                "TIME" in kind.upper() or "DATE" in kind.upper() for kind in columns.values()
            )
        responses = (await conn.execute(text("select * from survey_responses"))).all()
        assert all(row.member_id is None for row in responses)
        assert len(responses) == 4
        # no rowid order to correlate with the participation rows
        tables = (
            await conn.execute(text("select name, sql from sqlite_master where type='table'"))
        ).all()
        ddl = {name: sql for name, sql in tables}
        assert (
            "WITHOUT ROWID" in ddl["survey_answers"] and "WITHOUT ROWID" in ddl["survey_responses"]
        )
        keys = {row.response_key for row in responses}
        # the voice key appears only among participations, never beside a response key
        everything = json.dumps(
            [
                list(map(str, row))
                for t in ddl
                for row in (await conn.execute(text(f'select * from "{t}"'))).all()
            ]
        )
    assert voice in everything
    for key in keys:
        assert voice not in key and str(member_id) != key

    # Bytes: checkpoint the WAL into the file, then look around the member's free text.
    await app.stop()
    data = db_file(app.settings).read_bytes()
    where = data.find(SECRET_ANSWER.encode())
    assert where >= 0, "the answer must be stored in the file"
    window = data[max(0, where - 400) : where + 400]
    for needle in (voice.encode(), b"geheim", b"geheim@example.org", b"Lid geheim"):
        assert needle not in window
    # the member's voice key exists in the file (participation) but far from any answer
    for found in re.finditer(re.escape(voice.encode()), data):
        assert abs(found.start() - where) > 400


async def test_a_named_survey_shows_organizers_who_answered(
    app: Werkbot, chat: RecordingChat
) -> None:
    member_id = await make_member(app, "open")
    survey = await open_survey(
        app, (NewQuestion(kind="single", text="Kies", options=("a", "b")),), mode="named"
    )
    await chat.press("open", f"sv:a:{survey.id}:{survey.questions[0].id}:2")
    async with app.db.engine.connect() as conn:
        assert (
            await conn.execute(text("select member_id from survey_responses"))
        ).scalar_one() == member_id


async def test_erasure_keeps_totals_and_removes_the_link(app: Werkbot, chat: RecordingChat) -> None:
    member_id = await make_member(app, "weg")
    anonymous = await open_survey(app, (NewQuestion(kind="single", text="A?", options=("a", "b")),))
    named = await open_survey(
        app, (NewQuestion(kind="single", text="N?", options=("a", "b")),), mode="named"
    )
    await chat.press("weg", f"sv:a:{anonymous.id}:{anonymous.questions[0].id}:1")
    await chat.press("weg", f"sv:a:{named.id}:{named.questions[0].id}:2")
    await chat.say("weg", "/peiling_nieuws aan")

    exported = await chat.say("weg", "/mijngegevens")
    document = json.loads(exported[0].attachment.data)  # type: ignore[union-attr]
    taken = document["surveys"]["surveys_taken_part_in"]
    assert {entry["survey"] for entry in taken} == {anonymous.id, named.id}
    assert "without any link" in next(e for e in taken if e["survey"] == anonymous.id)["answers"]

    await chat.say("weg", "/vergeetmij")
    await chat.press("weg", f"mb:forget:{member_id}")

    repository = app.surveys.service.answering._repository
    assert await repository.tally(anonymous.questions[0].id) == {1: 1}
    assert await repository.tally(named.questions[0].id) == {2: 1}
    keys = app.surveys.service.answering.keys
    async with app.db.engine.connect() as conn:
        response_keys = {
            r[0] for r in await conn.execute(text("select response_key from survey_responses"))
        }
        voices = {
            r[0] for r in await conn.execute(text("select voice_key from survey_participations"))
        }
        named_ids = {
            r[0] for r in await conn.execute(text("select member_id from survey_responses"))
        }
        optins = (await conn.execute(text("select count(*) from topic_subscriptions"))).scalar_one()
    assert keys.key(anonymous.id, f"member:{member_id}") not in response_keys
    assert keys.key(named.id, f"member:{member_id}") not in response_keys
    assert f"member:{member_id}" not in voices
    assert named_ids == {None}
    assert optins == 0
