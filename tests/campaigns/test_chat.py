"""Opjutter campaigns through the recording chat on the real core: create, launch, act, count."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from urllib.parse import unquote, urlsplit

import pytest
import time_machine

from bot.app import Werkbot
from bot.core.types import Reply
from config import Settings
from storage.records.campaigns import ActionState, CampaignKind, NewCampaign, TargetMode
from tests.support.chat import RecordingChat, text_of
from tests.support.outbox import sent
from tests.support.smtp import LocalSmtp
from tests.surveys.conftest import make_member

NOW = "2026-12-01 09:00:00+00:00"
MPS_CSV = (
    "naam;soort;partij;commissies;email;id\n"
    "Anna Jansen;kamerlid;VVD;Sociale Zaken en Werkgelegenheid;a.jansen@tweedekamer.nl;mp1\n"
    "Bas de Vries;kamerlid;GroenLinks-PvdA;Sociale Zaken en Werkgelegenheid;b.devries@tweedekamer.nl;mp2\n"
    "Cem Yilmaz;kamerlid;NSC;Financiën;c.yilmaz@tweedekamer.nl;mp3\n"
).encode()
LETTER = (
    "Geachte {aan},\n\nIk ben {naam}, {werksituatie} uit {provincie}. Regel zekerheid bij ziekte.\n\n"
    "{eigen_tekst}\n\nMet vriendelijke groet,\n{naam}"
)


@pytest.fixture
def chat(english_chat: RecordingChat) -> RecordingChat:
    return english_chat


def delivered_to(chat: RecordingChat, user: str) -> list[Reply]:
    return [reply for target, reply in chat.delivered if target.chat_id == user]


async def acties_on(chat: RecordingChat, user: str) -> None:
    """The member switches the topic "acties" (the fourth) on with the /meldingen buttons."""
    await chat.say(user, "/meldingen")
    assert "✅ acties" in text_of(await chat.press(user, "bc:on:4"))


async def member(app: Werkbot, chat: RecordingChat, user: str, *, acties: bool = True, **facts: str) -> int:
    member_id = await make_member(app, user, **facts)
    if acties:
        await acties_on(chat, user)
    return member_id


async def opjutter(app: Werkbot, chat: RecordingChat, user: str) -> int:
    member_id = await member(app, chat, user)
    assert await app.members.service.grant_opjutter(member_id, "console:olga")
    return member_id


async def load_mps(app: Werkbot) -> None:
    await app.campaigns.service.targets.import_csv(MPS_CSV)


async def mail_campaign(app: Werkbot, opjutter_id: int | None, *, smtp: bool = False, title: str = "Mail je Kamerlid") -> int:
    from datetime import UTC, datetime, timedelta

    campaign = await app.campaigns.service.create(
        NewCampaign(
            title=title,
            why="Zzp'ers vallen bij ziekte tussen wal en schip.",
            kind=CampaignKind.MAIL,
            deadline=datetime.now(UTC) + timedelta(days=30),
            subject="Zekerheid bij ziekte voor {werksituatie}",
            template=LETTER,
            target_mode=TargetMode.SPREAD,
            allow_smtp=smtp,
            goal=10,
            opjutter_id=opjutter_id,
            created_by="test",
        )
    )
    return campaign.id


@time_machine.travel(NOW, tick=False)
async def test_an_opjutter_starts_a_mail_campaign_in_chat_and_members_get_the_card(
    app: Werkbot, chat: RecordingChat
) -> None:
    await load_mps(app)
    await opjutter(app, chat, "otto")
    await member(app, chat, "mia")
    await member(app, chat, "sam", acties=False)
    assert "opjutter" in text_of(await chat.say("mia", "/actie_nieuw")).lower()

    assert "What should members do" in text_of(await chat.say("otto", "/actie_nieuw"))
    await chat.press("otto", "cv:campaign_new:kind:mail")
    await chat.say("otto", "Mail je Kamerlid over de AOV")
    assert "To whom" in text_of(await chat.say("otto", "Zzp'ers vallen bij ziekte tussen wal en schip."))
    await chat.press("otto", "cv:campaign_new:targets:spread")
    assert "placeholders" in text_of(await chat.say("otto", "Zekerheid bij ziekte"))
    refused = text_of(await chat.say("otto", "Geachte {aan}, ik ben {naam.__class__}"))
    assert "unknown placeholder" in refused
    await chat.say("otto", LETTER)
    await chat.press("otto", "cv:campaign_new:smtp:no")
    assert "has passed" in text_of(await chat.say("otto", "2020-01-01 12:00"))
    await chat.say("otto", "2027-01-31 23:59")
    created = await chat.say("otto", "100")
    assert "saved as a draft" in text_of(created)
    assert "Dear" not in text_of(created) and "Geachte" in text_of(created)  # the example letter
    launched = text_of(await chat.press("otto", "cp:launch:1"))
    assert "2 members are asked now" in launched  # otto and mia chose "acties"; sam did not
    assert "was launched already" in text_of(await chat.press("otto", "cp:launch:1"))

    await sent(app)
    cards = [reply for reply in delivered_to(chat, "mia") if "Mail je Kamerlid" in reply.text]
    assert len(cards) == 1
    assert [button.action for button in cards[0].all_buttons] == ["cp:join:1", "cp:later:1", "cp:no:1"]
    assert not [reply for reply in delivered_to(chat, "sam") if "Mail je Kamerlid" in reply.text]


@time_machine.travel(NOW, tick=False)
async def test_a_member_writes_their_mp_with_own_words_kept_literally(app: Werkbot, chat: RecordingChat) -> None:
    await load_mps(app)
    otto = await opjutter(app, chat, "otto")
    await member(app, chat, "mia", work="zzp", province="utrecht")
    campaign_id = await mail_campaign(app, otto)
    await app.campaigns.service.launch(campaign_id, member_id=otto, organizer=False)

    letter = text_of(await chat.press("mia", f"cp:join:{campaign_id}"))
    assert "Geachte Anna Jansen," in letter and "Ik ben Lid mia" in letter
    assert "a.jansen@tweedekamer.nl" in letter
    await chat.press("mia", "cv:campaign_letter:letter:own")
    own = "Ik werk al 12 jaar als zzp'er. {naam} ${x} %s {{eigen_tekst}}\nGroet 🙂"
    final = await chat.say("mia", own)
    text = text_of(final)
    assert own in text
    link = next(line for line in text.splitlines() if line.startswith("mailto:"))
    parts = urlsplit(link)
    assert unquote(parts.path) == "a.jansen@tweedekamer.nl"
    query = dict(pair.split("=", 1) for pair in parts.query.split("&"))
    body = unquote(query["body"])
    assert own.replace("\n", "\r\n") in body and "Zekerheid bij ziekte voor" in unquote(query["subject"])
    thanks = text_of(await chat.press("mia", "cv:campaign_letter:send:sent"))
    assert "is counted" in thanks

    status = text_of(await chat.say("otto", f"/actie_status {campaign_id}"))
    assert "Done: 1 of the goal 10" in status and "Anna Jansen" in status


@time_machine.travel(NOW, tick=False)
async def test_spread_gives_each_mp_a_fair_share(app: Werkbot, chat: RecordingChat) -> None:
    await load_mps(app)
    otto = await opjutter(app, chat, "otto")
    members = [await member(app, chat, f"lid{n}") for n in range(7)]
    campaign_id = await mail_campaign(app, otto)
    await app.campaigns.service.launch(campaign_id, member_id=otto, organizer=False)
    await asyncio.gather(*(app.campaigns.service.letter(campaign_id, m) for m in members))
    shares = sorted(given for _target, given, _done in (await app.campaigns.service.status(campaign_id)).targets)
    assert shares == [2, 2, 3]


@time_machine.travel(NOW, tick=False)
async def test_the_weekly_cap_holds_across_campaigns(app: Werkbot, chat: RecordingChat) -> None:
    await load_mps(app)
    otto = await opjutter(app, chat, "otto")
    mia = await member(app, chat, "mia")
    ids = [await mail_campaign(app, otto, title=f"Actie {n}") for n in range(3)]
    for campaign_id in ids:
        await app.campaigns.service.launch(campaign_id, member_id=otto, organizer=False)
    asked = [await app.campaigns.service._repo.action_of(c, mia) for c in ids]
    assert [action is not None for action in asked] == [True, True, False]
    with time_machine.travel("2026-12-08 09:00:01+00:00", tick=False):
        await app.campaigns.service.prompt_all()  # the daily round, a week later
        assert await app.campaigns.service._repo.action_of(ids[2], mia) is not None


async def nudges_for(app: Werkbot, member_id: int) -> int:
    rows = await app.broadcasts.service.recent(limit=1000)
    count = 0
    for broadcast in rows:
        if broadcast.template == "campaigns.nudge":
            count += 1
    return count


@time_machine.travel(NOW, tick=False)
async def test_later_gets_exactly_one_nudge(app: Werkbot, chat: RecordingChat) -> None:
    await load_mps(app)
    otto = await opjutter(app, chat, "otto")
    mia = await member(app, chat, "mia")
    campaign_id = await mail_campaign(app, otto)
    await app.campaigns.service.launch(campaign_id, member_id=otto, organizer=False)
    assert "remind you once" in text_of(await chat.press("mia", f"cp:later:{campaign_id}"))
    action = await app.campaigns.service._repo.action_of(campaign_id, mia)
    assert action is not None and action.state is ActionState.LATER
    job = f"campaigns.nudge:{action.id}"
    planned = app.clock.when(job)
    assert planned is not None and str(planned).startswith("2026-12-04 09:00")
    await chat.press("mia", f"cp:later:{campaign_id}")  # pressed again: still one nudge
    app.clock._running().pause()  # the test runs the job itself, twice, and the safety net
    with time_machine.travel("2026-12-04 09:00:01+00:00", tick=False):
        await app.campaigns.service.nudge({"action": action.id})
        await app.campaigns.service.nudge({"action": action.id})
        await app.campaigns.service.nudge_lost()
    assert await nudges_for(app, mia) == 1


@time_machine.travel(NOW, tick=False)
async def test_not_for_me_ends_it_for_that_campaign(app: Werkbot, chat: RecordingChat) -> None:
    await load_mps(app)
    otto = await opjutter(app, chat, "otto")
    await member(app, chat, "mia")
    campaign_id = await mail_campaign(app, otto)
    await app.campaigns.service.launch(campaign_id, member_id=otto, organizer=False)
    assert "nothing more" in text_of(await chat.press("mia", f"cp:no:{campaign_id}"))
    assert "not for you" in text_of(await chat.press("mia", f"cp:join:{campaign_id}"))
    status = await app.campaigns.service.status(campaign_id)
    assert status.counts.get(ActionState.DECLINED) == 1


@time_machine.travel(NOW, tick=False)
async def test_organizers_pause_and_stop_any_campaign_others_cannot(app: Werkbot, chat: RecordingChat) -> None:
    await load_mps(app)
    otto = await opjutter(app, chat, "otto")
    await opjutter(app, chat, "pia")
    campaign_id = await mail_campaign(app, otto)
    await app.campaigns.service.launch(campaign_id, member_id=otto, organizer=False)
    assert "Only its opjutter" in text_of(await chat.say("pia", f"/actie_pauze {campaign_id}"))
    assert "paused" in text_of(await chat.say("olga", f"/actie_pauze {campaign_id}"))
    assert "stopped" in text_of(await chat.say("olga", f"/actie_stop {campaign_id}"))
    assert "ended" in text_of(await chat.press("otto", f"cp:join:{campaign_id}"))


@pytest.fixture
async def smtp_app(make_settings: Callable[..., Settings], smtp: LocalSmtp) -> AsyncIterator[Werkbot]:
    bot = Werkbot(make_settings(organizers="console:olga", **smtp.settings()))
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


@time_machine.travel(NOW, tick=False)
async def test_werkbot_sends_the_letter_with_the_members_reply_to(smtp_app: Werkbot, smtp: LocalSmtp) -> None:
    app = smtp_app
    chat = RecordingChat(app.router, language_hint="en")
    app.delivery.attach(chat)
    await load_mps(app)
    otto = await opjutter(app, chat, "otto")
    mia = await member(app, chat, "mia")
    campaign_id = await mail_campaign(app, otto, smtp=True)
    await app.campaigns.service.launch(campaign_id, member_id=otto, organizer=False)
    await chat.press("mia", f"cp:join:{campaign_id}")
    await chat.press("mia", "cv:campaign_letter:letter:own")
    await chat.say("mia", "Mijn eigen woorden: {naam} blijft {naam}.")
    await chat.press("mia", "cv:campaign_letter:send:smtp")
    done = text_of(await chat.press("mia", "cv:campaign_letter:confirm:yes"))
    assert "went to a.jansen@tweedekamer.nl" in done
    messages = await asyncio.to_thread(smtp.inbox.wait_for, 2)  # the code mails and the letter
    letter = next(message for message in messages if message["To"] == "a.jansen@tweedekamer.nl")
    assert "mia@example.org" in letter["Reply-To"] and "Lid mia" in letter["Reply-To"]
    body = letter.get_payload(decode=True).decode(letter.get_content_charset() or "utf-8")
    assert "Mijn eigen woorden: {naam} blijft {naam}." in body
    action = await app.campaigns.service._repo.action_of(campaign_id, mia)
    assert action is not None and action.state is ActionState.DONE and action.sent_via == "smtp"


@time_machine.travel(NOW, tick=False)
async def test_a_broken_campaign_file_or_target_list_names_the_line_and_changes_nothing(
    app: Werkbot, chat: RecordingChat
) -> None:
    await opjutter(app, chat, "otto")
    broken = b"title: Actie\nkind: mail\nwhy: Omdat.\ndeadline: 2027-01-31 23:59\nletter: Beste {wie}\n"
    reply = text_of(await chat.upload("otto", "actie.yaml", broken))
    assert "Nothing was created" in reply and "line 5" in reply and "line 1" in reply
    assert await app.campaigns.service.campaigns(everything=True) == []
    bad_csv = b"naam;soort;email\nAnna;kamerlid;not-an-address\n"
    reply = text_of(await chat.upload("olga", "kamer.csv", bad_csv))
    assert "Nothing was loaded" in reply and "line 2" in reply
    assert await app.campaigns.service.targets.count() == 0


@time_machine.travel(NOW, tick=False)
async def test_erasure_removes_what_the_member_wrote_and_the_counts_stay(app: Werkbot, chat: RecordingChat) -> None:
    await load_mps(app)
    otto = await opjutter(app, chat, "otto")
    mia = await member(app, chat, "mia")
    campaign_id = await mail_campaign(app, otto)
    await app.campaigns.service.launch(campaign_id, member_id=otto, organizer=False)
    await app.campaigns.service.add_own_text(campaign_id, mia, "Mijn geheime verhaal")
    await app.campaigns.service.done(campaign_id, mia, via="mailto")
    exported = await app.campaigns.service.export(mia)
    assert exported["actions"][0]["own_text"] == "Mijn geheime verhaal"
    await app.campaigns.service.erase(mia)
    assert (await app.campaigns.service.export(mia))["actions"] == []
    assert (await app.campaigns.service.status(campaign_id)).done == 1


@time_machine.travel(NOW, tick=False)
async def test_the_leaderboard_names_only_opjutters_who_agree(app: Werkbot, chat: RecordingChat) -> None:
    await load_mps(app)
    otto = await opjutter(app, chat, "otto")
    pia = await opjutter(app, chat, "pia")
    mia = await member(app, chat, "mia")
    first = await mail_campaign(app, otto)
    second = await mail_campaign(app, pia, title="Tweede")
    for campaign_id, by in ((first, otto), (second, pia)):
        await app.campaigns.service.launch(campaign_id, member_id=by, organizer=False)
    await app.campaigns.service.done(first, mia)
    await chat.say("otto", "/opjutters_naam aan")
    board = text_of(await chat.say("mia", "/opjutters"))
    assert "1. Lid otto — 1 action (1 campaign)" in board
    assert "2. an opjutter — 0 actions (1 campaign)" in board and "Lid pia" not in board
