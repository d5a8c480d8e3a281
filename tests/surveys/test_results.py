"""Results: counts, n, margins, suppressed small groups, charts, CSV, JSON, publishing."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

from bot.app import Werkbot
from cogs.surveys.results import margin, suppress
from config import Settings
from storage.records.surveys import NewQuestion
from tests.support.chat import RecordingChat, text_of
from tests.support.outbox import sent as all_sent
from tests.surveys.conftest import make_member, open_survey

QUESTIONS = (
    NewQuestion(kind="single", text="Thuiswerken?", options=("ja", "nee")),
    NewQuestion(kind="scale", text="Tevreden?", labels=("niet", "zeer")),
    NewQuestion(kind="text", text="Toelichting?", required=False, max_length=100),
)


def test_margin_and_suppression_rules() -> None:
    assert round(margin(100) or 0, 1) == 9.8
    assert margin(0) is None
    assert suppress({"a": 12, "b": 11, "c": 3}) == {"c", "b"}  # one hidden: hide the next too
    assert suppress({"a": 12, "b": 4, "c": 3}) == {"b", "c"}
    assert suppress({"a": 12, "b": 30}) == set()


async def fill(app: Werkbot) -> tuple[int, list[int]]:
    survey = await open_survey(app, QUESTIONS)
    single, scale, free = survey.questions
    groups = [("zzp", 12), ("loondienst", 11), ("student", 3)]
    answering = app.surveys.service.answering
    members = []
    n = 0
    for work, size in groups:
        for _i in range(size):
            member_id = await make_member(app, f"{work}{n}", work=work)
            members.append(member_id)
            await answering.answer(survey.id, member_id, single.id, 1 if n % 4 else 2)
            await answering.answer(survey.id, member_id, scale.id, 1 + n % 5)
            await answering.answer(survey.id, member_id, free.id, f"GEHEIME-TEKST-{n}")
            n += 1
    return survey.id, members


async def test_results_after_close_with_files(app: Werkbot, chat: RecordingChat) -> None:
    survey_id, _members = await fill(app)
    await make_member(app, "kijker")
    early = await chat.say("kijker", f"/uitslag {survey_id}")
    assert "shown after it closes" in text_of(early)

    await chat.say("olga", f"/peiling_sluit {survey_id}")
    shown = await chat.say("kijker", f"/uitslag {survey_id}")
    summary = shown[0].text
    assert "Respondents: 26" in summary
    assert "(n = 26, ±19.2 points)" in summary
    assert "ja: 73% (19)" in summary and "nee: 27% (7)" in summary
    assert "student: too few to show" in summary
    assert "(in loondienst): too few to show" in summary  # hidden too, or student = total - others
    assert "(zzp) (n = 12)" in summary
    assert "GEHEIME-TEKST" not in "".join(r.text for r in shown)
    charts = [r.attachment for r in shown if r.attachment is not None]
    assert len(charts) == 2 and all(c.data.startswith(b"\x89PNG") for c in charts)
    assert not any(c.filename.endswith((".csv", ".json")) for c in charts)

    organizer = await chat.say("olga", f"/uitslag {survey_id}")
    files = {r.attachment.filename: r.attachment.data for r in organizer if r.attachment}
    rows = list(csv.DictReader(io.StringIO(files[f"peiling-{survey_id}.csv"].decode("utf-8-sig"))))
    assert len(rows) == 26
    assert set(rows[0]) == {"response", "work_situation", "province", "kind", "q1", "q2", "q3"}
    assert sum(1 for row in rows if row["q1"] == "ja") == 19
    assert any(row["q3"].startswith("GEHEIME-TEKST") for row in rows)
    flat = files[f"peiling-{survey_id}.csv"].decode("utf-8-sig")
    assert "Lid " not in flat and "@example.org" not in flat and "member:" not in flat
    document = json.loads(files[f"peiling-{survey_id}.json"])
    assert document["respondents"] == 26
    first = document["questions"][0]
    assert first["n"] == 26 and first["margin_of_error_95"] == 19.2
    groups = {g["group"]: g for g in first["breakdowns"]["work_situation"]}
    assert groups["student"] == {"group": "student", "suppressed": True}
    assert groups["zzp"]["n"] == 12
    assert document["questions"][2]["note"].startswith("free text")
    assert "GEHEIME-TEKST" not in files[f"peiling-{survey_id}.json"].decode()


async def test_live_results_and_quick_poll(app: Werkbot, chat: RecordingChat) -> None:
    await make_member(app, "snel")
    poll = await chat.say("olga", "/peiling_nieuw Thuiswerken? | ja | nee | soms")
    assert "quick poll" in text_of(poll)
    actions = [b.action for b in poll[0].all_buttons]
    assert actions[0].startswith("sv:a:") and actions[-1].startswith("sv:r:")
    voted = await chat.press("snel", actions[2])
    assert "soms" in text_of(voted)
    live = await chat.press("snel", actions[-1])
    assert "soms: 100% (1)" in text_of(live)
    bad = await chat.say("olga", "/peiling_nieuw Geen opties")
    assert "not right" in text_of(bad)
    refused = await chat.say("snel", "/peiling_nieuw Ik? | ja | nee")
    assert "Only organizers" in text_of(refused)


async def test_a_group_vote_is_acknowledged_privately(app: Werkbot, chat: RecordingChat) -> None:
    from bot.core.types import ButtonPress, Chat

    await make_member(app, "groep")
    survey = await open_survey(app, (NewQuestion(kind="single", text="?", options=("a", "b")),))
    event = ButtonPress(
        chat._identity("groep"),
        Chat("console", "groupchat", is_private=False),
        action=f"sv:a:{survey.id}:{survey.questions[0].id}:2",
    )
    replies = await app.router.handle(event)
    assert replies[0].private and not replies[0].replace and "saved: b" in replies[0].text


async def test_publishing_goes_to_the_announcement_chats(
    make_settings: Callable[..., Settings],
) -> None:
    app = Werkbot(
        make_settings(organizers="console:olga", survey_announcement_chats="console:aankondigingen")
    )
    await app.start()
    try:
        chat = RecordingChat(app.router, language_hint="en")
        app.delivery.attach(chat)
        survey_id, _members = await fill(app)
        early = await chat.say("olga", f"/peiling_publiceer {survey_id}")
        assert "once survey" in text_of(early)
        await chat.say("olga", f"/peiling_sluit {survey_id}")
        done = await chat.say("olga", f"/peiling_publiceer {survey_id}")
        assert "published in 1" in text_of(done)
        await all_sent(app)  # through the outbox, in the background
        sent = [(c, r) for c, r in chat.delivered if c.chat_id == "aankondigingen"]
        assert not sent[0][0].is_private
        assert "Respondents: 26" in sent[0][1].text or "26" in sent[0][1].text
        assert sum(1 for _c, r in sent if r.attachment and r.attachment.is_image) == 2
        assert not any("GEHEIME-TEKST" in r.text for _c, r in sent)
    finally:
        await app.stop()
