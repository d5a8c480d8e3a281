"""Opjutter campaigns through the real adapters: Telegram against the fake Bot API server,
Discord against the fake Discord.

On Telegram an opjutter starts a mail campaign with ``/actie_nieuw`` and launches it; a
Dutch member gets the card through the outbox with its three buttons, joins, adds own
sentences (placeholders, tags and emoji, all kept literally) and gets the letter with its
``mailto:`` link whole, also when the adapter has to split a letter beyond Telegram's
4,096 UTF-16 units; "Verstuurd" is counted in ``/actie_status``. On Discord a member
joins one campaign and declines another from the cards in their direct messages. Members
who did not choose ``acties`` get nothing.

Real sockets run, so nothing travels in time: deadlines lie in the future of now.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.app import Werkbot
from bot.core.clock import utcnow
from cogs.campaigns.letter import crlf, parse_mailto
from storage.records.campaigns import ActionState, CampaignKind, NewCampaign, TargetMode
from storage.vocabulary import Topic
from tests.campaigns.test_chat import LETTER, load_mps, mail_campaign
from tests.discord.conftest import fake, werkbot_on_discord  # noqa: F401  (fixtures)
from tests.discord.fake import FakeDiscord, custom_ids
from tests.support.outbox import sent
from tests.telegram.conftest import StartBot, TelegramBot, api, start_bot  # noqa: F401  (fixtures)
from tests.telegram.fake_bot_api import MAX_TEXT, Call, user, utf16_length

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

OTTO = user(4901, "Otto", "en")
"""An opjutter on Telegram, in English."""
MIA = user(4902, "Mia", "nl")
"""A member who chose "acties", in Dutch: she sees "Doe mee"."""
SAM = user(4903, "Sam", "nl")
"""A member who did not choose "acties"."""
LENA = user(4904, "Lena", "nl")
DISCORD_DIRK = 503
DISCORD_DEMI = 504
LONG_PARTY = "Zelfstandigen, Freelancers en Flexwerkers " * 2 + "Partij"
"""A party name of almost 100 characters (the CSV's limit): shown in the letter's "Aan:"
line, not in the link, so the letter's message grows beyond one Telegram message."""


async def member(
    app: Werkbot, platform: str, user_id: str, *, language: str, acties: bool = True
) -> int:
    """A verified member on ``platform``, with the topic ``acties`` on or off."""
    members = app.members.service
    member_id = await members.register(
        platform,
        user_id,
        name=f"Lid {user_id}",
        email=f"lid{user_id}@example.org",
        work_situation="zzp",
        province="utrecht",
        language=language,
    )
    await members.verify(member_id, await members.send_code(member_id, force=True))
    if acties:
        await app.broadcasts.service.choices.set_topic(member_id, Topic.ACTIES, True)
    return member_id


async def said(bot: TelegramBot, who: dict[str, Any], text: str, containing: str) -> Call:
    mark = await bot.say(who, text)
    return await bot.api.reply(who["id"], containing, after=mark)


async def tapped(
    bot: TelegramBot, who: dict[str, Any], message: Call, action: str, containing: str
) -> Call:
    assert action in message.actions, (action, message.actions)
    mark = len(bot.api.calls)
    bot.api.press(who, message, action)
    return await bot.api.reply(who["id"], containing, after=mark)


def state_of(action: Any) -> ActionState | None:
    return None if action is None else action.state


def link_in(text: str) -> str:
    """The one ``mailto:`` line of a message."""
    (link,) = [line for line in text.splitlines() if line.startswith("mailto:")]
    return link


async def test_a_mail_campaign_on_telegram_from_start_to_counted(
    start_bot: StartBot,  # noqa: F811
) -> None:
    bot = await start_bot()
    app, telegram = bot.app, bot.api
    await load_mps(app)
    otto = await member(app, "telegram", str(OTTO["id"]), language="en", acties=False)
    assert await app.members.service.grant_opjutter(otto, "console:olga")
    mia = await member(app, "telegram", str(MIA["id"]), language="nl")
    await member(app, "telegram", str(SAM["id"]), language="nl", acties=False)

    # Otto starts the campaign in the conversation, on Telegram.
    deadline = (utcnow() + timedelta(days=60)).strftime("%Y-%m-%d")
    kinds = await said(bot, OTTO, "/actie_nieuw", "What should members do")
    await tapped(bot, OTTO, kinds, "cv:campaign_new:kind:mail", "short title")
    await said(bot, OTTO, "Mail je Kamerlid: zekerheid bij ziekte", "Why does it matter")
    targets = await said(bot, OTTO, "Zzp'ers vallen bij ziekte tussen wal en schip.", "To whom")
    await tapped(bot, OTTO, targets, "cv:campaign_new:targets:spread", "subject")
    await said(bot, OTTO, "Zekerheid bij ziekte voor {werksituatie}", "placeholders")
    smtp = await said(bot, OTTO, LETTER, "May Werkbot send")
    await tapped(bot, OTTO, smtp, "cv:campaign_new:smtp:no", "Until when")
    await said(bot, OTTO, deadline, "How many actions")
    mark = await bot.say(OTTO, "100")
    launch = await telegram.wait_for(
        lambda: [c for c in telegram.sent(OTTO["id"], after=mark) if "cp:launch:1" in c.actions],
        what="the draft with its Launch button",
    )
    shown = " ".join(call.text for call in telegram.sent(OTTO["id"], after=mark))
    assert "saved as a draft" in shown and "Geachte Anna Jansen" in shown  # the example letter
    mark = len(telegram.calls)
    launched = await tapped(bot, OTTO, launch[0], "cp:launch:1", "is running")
    assert "1 member is asked now" in launched.text  # Mia; Sam and Otto did not choose "acties"

    # The card reaches Mia through the outbox, in Dutch, with three buttons.
    await sent(app)
    card = await telegram.reply(MIA["id"], "📣 Mail je Kamerlid", after=mark)
    assert card.actions == ["cp:join:1", "cp:later:1", "cp:no:1"]
    assert [b["text"] for row in card.keyboard for b in row] == [
        "Doe mee",
        "Later",
        "Niet voor mij",
    ]
    assert "acties" in card.text  # why they get it, and how to stop it
    assert not telegram.sent(SAM["id"])
    assert not [c for c in telegram.sent(OTTO["id"]) if "cp:join:1" in c.actions]

    # Doe mee: her letter, then her own sentences, then the link.
    letter = await tapped(bot, MIA, card, "cp:join:1", "Je brief")
    assert "Geachte Anna Jansen" in letter.text and "Lid 4902" in letter.text
    await tapped(bot, MIA, letter, "cv:campaign_letter:letter:own", "eigen zinnen")
    own = "Ik ben {naam} en dit is <b>vet</b> & 100% waar 🙂👩‍👩‍👧‍👦\nGroet {eigen_tekst} %s"
    mark = await bot.say(MIA, own)
    final = await telegram.reply(MIA["id"], "mailto:", after=mark)
    assert final.params.get("parse_mode") is None  # plain text: "<b>" is shown as typed
    assert own in final.shown
    expected = (await app.campaigns.service.letter(1, mia)).mailto
    assert expected is not None and link_in(final.text) == expected
    mailto = parse_mailto(expected)
    assert mailto.to == ("a.jansen@tweedekamer.nl",)
    assert mailto.subject == "Zekerheid bij ziekte voor zzp / freelancer"
    assert crlf(own) in mailto.body and "Lid 4902" in mailto.body
    assert "cv:campaign_letter:send:sent" in final.actions

    thanks = await tapped(bot, MIA, final, "cv:campaign_letter:send:sent", "Dank je wel")
    assert "is geteld" in thanks.text
    status = await said(bot, OTTO, "/actie_status 1", "Done:")
    assert "Done: 1 of the goal 100 (1%)" in status.text
    assert "Anna Jansen" in status.text and "Asked: 1" in status.text
    action = await app.campaigns.service._repo.action_of(1, mia)
    assert action is not None and action.state is ActionState.DONE and action.sent_via == "mailto"


async def _longest_own_text(app: Werkbot, campaign_id: int, member_id: int) -> str:
    """The longest own text of one repeated word whose letter still gets a link."""
    service = app.campaigns.service
    word = "Zzp-ers-verdienen-zekerheid-bij-ziekte."
    low, high = 1, 2_000
    while low < high:
        middle = (low + high + 1) // 2
        await service.add_own_text(campaign_id, member_id, (word * 60)[:middle])
        if (await service.letter(campaign_id, member_id)).mailto is not None:
            low = middle
        else:
            high = middle - 1
    await service.add_own_text(campaign_id, member_id, None)
    return (word * 60)[:low]


async def test_a_letter_beyond_one_telegram_message_keeps_its_link_whole(
    start_bot: StartBot,  # noqa: F811
) -> None:
    bot = await start_bot()
    app, telegram = bot.app, bot.api
    mps = (
        "naam;soort;partij;commissies;email;id\n"
        f"Anna Jansen;kamerlid;{LONG_PARTY};Sociale Zaken;a.jansen@tweedekamer.nl;mp1\n"
    )
    await app.campaigns.service.targets.import_csv(mps.encode())
    lena = await member(app, "telegram", str(LENA["id"]), language="nl")
    campaign = await app.campaigns.service.create(
        NewCampaign(
            title="Een lange brief",
            why="Om de grens van Telegram op te zoeken.",
            kind=CampaignKind.MAIL,
            deadline=utcnow() + timedelta(days=30),
            subject="Zekerheid bij ziekte",
            template="Geachte {aan},\n{eigen_tekst}\n{naam}",
            target_mode=TargetMode.SPREAD,
            created_by="test",
        )
    )
    mark = len(telegram.calls)
    await app.campaigns.service.launch(campaign.id, member_id=None, organizer=True)
    await sent(app)
    card = await telegram.reply(LENA["id"], "Een lange brief", after=mark)
    own = await _longest_own_text(app, campaign.id, lena)
    letter = await tapped(bot, LENA, card, f"cp:join:{campaign.id}", "Je brief")
    await tapped(bot, LENA, letter, "cv:campaign_letter:letter:own", "eigen zinnen")
    mark = await bot.say(LENA, own)
    last = await telegram.wait_for(
        lambda: [
            c
            for c in telegram.sent(LENA["id"], after=mark)
            if "cv:campaign_letter:send:sent" in c.actions
        ],
        what="the letter with its Verstuurd button",
    )
    pieces = telegram.sent(LENA["id"], after=mark)
    assert pieces[-1] is last[0]
    whole = "\n".join(piece.text for piece in pieces)
    expected = (await app.campaigns.service.letter(campaign.id, lena)).mailto
    assert expected is not None and len(expected) > 1_900
    # Beyond one message: the adapter split it, and every piece fits.
    assert sum(utf16_length(piece.text) for piece in pieces) > MAX_TEXT
    assert len(pieces) >= 2, [utf16_length(piece.text) for piece in pieces]
    assert all(utf16_length(piece.text) <= MAX_TEXT for piece in pieces)
    # The link is in one piece, whole, on a line of its own; nothing is lost around it.
    holding = [piece for piece in pieces if "mailto:" in piece.text]
    assert len(holding) == 1, "the mailto: link was cut between two messages"
    assert link_in(holding[0].text) == expected
    assert own in whole and LONG_PARTY in whole
    done = await tapped(bot, LENA, last[0], "cv:campaign_letter:send:sent", "Dank je wel")
    assert done.ok


async def test_on_discord_a_member_joins_one_campaign_and_declines_another(
    fake: FakeDiscord,  # noqa: F811
    werkbot_on_discord: Any,  # noqa: F811
) -> None:
    async with werkbot_on_discord() as (app, _adapter):
        await load_mps(app)
        dirk = await member(app, "discord", str(DISCORD_DIRK), language="en")
        demi = await member(app, "discord", str(DISCORD_DEMI), language="en", acties=False)
        first = await mail_campaign(app, None, title="Mail je Kamerlid")
        second = await mail_campaign(app, None, title="Nog een actie")
        for campaign_id in (first, second):
            await app.campaigns.service.launch(campaign_id, member_id=None, organizer=True)
        await sent(app)
        cards = await fake.wait_for(
            lambda: len(fake.dm_texts(DISCORD_DIRK)) >= 2 and fake.dm_texts(DISCORD_DIRK),
            what="two cards in Dirk's direct messages",
        )
        assert any("Mail je Kamerlid" in text for text in cards)
        assert any("Nog een actie" in text for text in cards)
        channel = fake.dm_channel(DISCORD_DIRK)
        buttons = [
            action
            for record in fake.calls("POST", rf"^/channels/{channel}/messages$")
            for action in custom_ids(record.json or {})
        ]
        for campaign_id in (first, second):
            for verb in ("join", "later", "no"):
                assert f"cp:{verb}:{campaign_id}" in buttons
        assert fake.dm_channel(DISCORD_DEMI) is None  # no "acties": nothing at all

        joined = await fake.press(f"cp:join:{first}", DISCORD_DIRK, dm=True)
        await fake.wait_for(
            lambda: any("Your letter" in text for text in fake.texts(joined)),
            what="the letter on Discord",
        )
        declined = await fake.press(f"cp:no:{second}", DISCORD_DIRK, dm=True)
        await fake.wait_for(
            lambda: any("nothing more" in text for text in fake.texts(declined)),
            what="the answer to Niet voor mij",
        )
        assert fake.refused == []

        one = await app.campaigns.service.status(first)
        two = await app.campaigns.service.status(second)
        assert one.counts == {ActionState.OPENED: 1} and one.done == 0
        assert two.counts == {ActionState.DECLINED: 1} and two.done == 0
        assert (
            state_of(await app.campaigns.service._repo.action_of(first, dirk)) is ActionState.OPENED
        )
        assert (
            state_of(await app.campaigns.service._repo.action_of(second, dirk))
            is ActionState.DECLINED
        )
        assert await app.campaigns.service._repo.action_of(first, demi) is None
