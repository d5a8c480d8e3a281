"""A matching round through the real adapters: Telegram against the fake Bot API server,
Discord against the fake Discord, both in one Werkbot.

Tess (Telegram) and Dirk (Discord) have profiles made through the service. They are asked
for a round on their own platform, press "Doe mee" there, are paired, and each gets the
introduction with what they have for each other and [Ik wil kennismaken]. Their e-mail
addresses go out only once both pressed. "Hebben jullie elkaar gesproken?" answered on
Discord is counted in ``/ronde_stats``.

Real sockets run, so the clock is not frozen: the round lies two days ahead, the scheduler
is paused and the jobs run here, each inside a (ticking) travel to its moment.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine

from bot.app import Werkbot
from bot.core.clock import utcnow
from bot.platforms import attach_links
from cogs.platform.profiles import ProfileDraft
from tests.discord.conftest import fake, werkbot_on_discord  # noqa: F401  (fixtures)
from tests.discord.fake import FakeDiscord, custom_ids
from tests.platform.test_rounds import platform_of, with_tags
from tests.support.outbox import sent
from tests.telegram.conftest import StartBot, TelegramBot, api, start_bot  # noqa: F401  (fixtures)
from tests.telegram.fake_bot_api import Call, user

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

OLGA = user(5101, "Olga", "nl")
"""An organizer on Telegram (ORGANIZERS=telegram:5101)."""
TESS = user(5102, "Tess", "nl")
"""A member on Telegram: offers financing, looks for mentoring."""
DISCORD_DIRK = 5103
"""A member on Discord: offers mentoring, looks for financing."""


async def member(app: Werkbot, platform: str, user_id: str) -> int:
    """A verified Dutch member on ``platform``."""
    members = app.members.service
    member_id = await members.register(
        platform,
        user_id,
        name=f"Lid {user_id}",
        email=f"lid{user_id}@example.org",
        work_situation="zzp",
        province="utrecht",
        language="nl",
    )
    await members.verify(member_id, await members.send_code(member_id, force=True))
    return member_id


async def profile(app: Werkbot, member_id: int, offers: str, needs: str) -> int:
    draft = ProfileDraft(
        offers=(offers,), needs=(needs,), offer_text="Ik help graag.", region="utrecht"
    )
    return (await platform_of(app).service.profiles.save_own(member_id, draft)).id


def dm_buttons(fake: FakeDiscord, user_id: int) -> list[tuple[str, str, list[str], list[str]]]:  # noqa: F811
    """Every message the bot posted in a user's direct messages: (content, all, ids, labels)."""
    channel = fake.dm_channel(user_id)
    found = []
    for record in fake.calls("POST", rf"^/channels/{channel}/messages$"):
        body = record.json or {}
        labels = [
            component.get("label", "")
            for row in body.get("components", [])
            for component in row.get("components", [])
        ]
        found.append((body.get("content", ""), str(body), custom_ids(body), labels))
    return found


def labels_of(call: Call) -> list[str]:
    return [button["text"] for row in call.keyboard for button in row]


async def tapped(
    bot: TelegramBot, who: dict[str, Any], message: Call, action: str, containing: str
) -> Call:
    assert action in message.actions, (action, message.actions)
    mark = len(bot.api.calls)
    bot.api.press(who, message, action)
    return await bot.api.reply(who["id"], containing, after=mark)


async def discord_answer(fake: FakeDiscord, action: str, containing: str) -> None:  # noqa: F811
    pressed = await fake.press(action, DISCORD_DIRK, dm=True)
    await fake.wait_for(
        lambda: any(containing in text for text in fake.texts(pressed)),
        what=f"the answer to {action} on Discord",
    )


async def test_a_round_between_telegram_and_discord_from_asked_to_counted(
    start_bot: StartBot,  # noqa: F811
    fake: FakeDiscord,  # noqa: F811
    werkbot_on_discord: Any,  # noqa: F811
) -> None:
    bot = await start_bot(organizers=f"telegram:{OLGA['id']}")
    app, telegram = bot.app, bot.api
    app.clock._running().pause()  # the jobs run here, at their moments
    await with_tags(app)
    tess = await member(app, "telegram", str(TESS["id"]))
    dirk = await member(app, "discord", str(DISCORD_DIRK))
    await profile(app, tess, "financiering", "mentoring")
    await profile(app, dirk, "mentoring", "financiering")
    tess_mail, dirk_mail = f"lid{TESS['id']}@example.org", f"lid{DISCORD_DIRK}@example.org"
    service = platform_of(app).service
    match_at = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    round_ = await service.plan(match_at, repeat_weeks=None, seed=7, created_by="test")

    async with werkbot_on_discord(app=app) as (_app, discord_adapter):
        attach_links(app.links, bot.adapter)  # as _serve does once each adapter runs
        attach_links(app.links, discord_adapter)
        # A day before: both are asked on their own platform, in Dutch.
        mark = len(telegram.calls)
        with time_machine.travel(match_at - timedelta(days=1)):
            await service.ask({"round": round_.id})
            await sent(app)
        asked = await telegram.reply(TESS["id"], "nieuwe kennismakingsronde", after=mark)
        assert asked.actions == [f"pl:join:{round_.id}", f"pl:skip:{round_.id}"]
        assert labels_of(asked)[0] == "Doe mee"
        await fake.wait_for(
            lambda: any(
                f"pl:join:{round_.id}" in ids for _c, _a, ids, _l in dm_buttons(fake, DISCORD_DIRK)
            ),
            what="the question on Discord",
        )
        (_content, _all, ids, labels) = dm_buttons(fake, DISCORD_DIRK)[-1]
        assert ids == [f"pl:join:{round_.id}", f"pl:skip:{round_.id}"] and labels[0] == "Doe mee"

        # Both press "Doe mee", each on their own platform.
        await tapped(bot, TESS, asked, f"pl:join:{round_.id}", "Je doet mee")
        await discord_answer(fake, f"pl:join:{round_.id}", "Je doet mee")

        # The moment: paired, and each introduced on their own platform.
        mark = len(telegram.calls)
        with time_machine.travel(match_at):
            await service.match({"round": round_.id})
            await sent(app)
        groups = await service._repo.groups(round_id=round_.id)
        assert len(groups) == 1 and len(groups[0].members) == 2
        group = groups[0].id
        intro = await telegram.reply(TESS["id"], "Je maakt kennis met", after=mark)
        assert "👤 Lid 5103" in intro.text
        assert "Jij zoekt Mentoring; zij bieden het." in intro.text
        assert "Zij zoeken Financiering; jij biedt het." in intro.text
        assert f"pl:want:{group}" in intro.actions and "Ik wil kennismaken" in labels_of(intro)
        await fake.wait_for(
            lambda: any(
                f"pl:want:{group}" in ids for _c, _a, ids, _l in dm_buttons(fake, DISCORD_DIRK)
            ),
            what="the introduction on Discord",
        )
        dirk_intro = next(m for m in dm_buttons(fake, DISCORD_DIRK) if f"pl:want:{group}" in m[2])
        assert "Je maakt kennis met" in dirk_intro[0] and "👤 Lid 5102" in dirk_intro[0]
        assert "Jij zoekt Financiering; zij bieden het." in dirk_intro[0]
        assert "Zij zoeken Mentoring; jij biedt het." in dirk_intro[0]
        assert "Ik wil kennismaken" in dirk_intro[3]

        def mails_out() -> bool:
            on_telegram = " ".join(call.text for call in telegram.sent())
            on_discord = " ".join(m[1] for m in dm_buttons(fake, DISCORD_DIRK))
            return any(mail in on_telegram or mail in on_discord for mail in (tess_mail, dirk_mail))

        # Tess wants to meet; nothing is shared yet.
        await tapped(bot, TESS, intro, f"pl:want:{group}", "Genoteerd")
        await sent(app)
        assert not mails_out()
        # Dirk too, on Discord: now both get the other's e-mail, on their own platform.
        mark = len(telegram.calls)
        await discord_answer(fake, f"pl:want:{group}", "Iedereen wil kennismaken")
        await sent(app)
        details = await telegram.reply(TESS["id"], "Contactgegevens", after=mark)
        assert dirk_mail in details.text and f"<@{DISCORD_DIRK}>" in details.text
        await fake.wait_for(
            lambda: any(tess_mail in content for content, *_rest in dm_buttons(fake, DISCORD_DIRK)),
            what="the details on Discord",
        )

        # At the end of the round: "Hebben jullie elkaar gesproken?", answered on Discord.
        with time_machine.travel(match_at + service.options.round_length - timedelta(days=1)):
            await service.feedback({"round": round_.id})
            await sent(app)
        await fake.wait_for(
            lambda: any(
                f"pl:mety:{group}" in ids for _c, _a, ids, _l in dm_buttons(fake, DISCORD_DIRK)
            ),
            what="the question on Discord",
        )
        asked_met = next(m for m in dm_buttons(fake, DISCORD_DIRK) if f"pl:mety:{group}" in m[2])
        assert "Hebben jullie elkaar gesproken?" in asked_met[0]
        assert asked_met[3] == ["Ja", "Gepland", "Nee"]
        await discord_answer(fake, f"pl:mety:{group}", "Dank je wel")
        assert fake.refused == []

    mark = await bot.say(OLGA, f"/ronde_stats {round_.id}")
    report = await telegram.reply(OLGA["id"], "Elkaar gesproken?", after=mark)
    assert "ja 1, gepland 0, nee 0 (1 groep antwoordde; ontmoetingsgraad 100%)" in report.text
    assert "Deelnemers: 2" in report.text and "Groepen: 1 (waarvan drietallen: 0)" in report.text
