"""The Meetlat through the real adapters: Telegram against the fake Bot API server,
Discord against the fake Discord, in one Werkbot.

Tess rates on Telegram with the buttons (Yes, No, 4, Skip, 5, No note); Dirk on Discord
from the button under the scores. A second rating by Tess replaces her first. The scores
reach both with the scorecard as a PNG; nothing is shown before 5 raters.

Real sockets run, so the clock is not frozen: method v1 applies from a day in the past.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import Werkbot
from tests.discord.conftest import fake, werkbot_on_discord  # noqa: F401  (fixtures)
from tests.discord.fake import FakeDiscord, custom_ids
from tests.meetlat.conftest import item, meetlat_of, rate_all, raters, with_method
from tests.surveys.conftest import make_member
from tests.telegram.conftest import StartBot, TelegramBot, api, start_bot  # noqa: F401  (fixtures)
from tests.telegram.fake_bot_api import Call, user

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

TESS = user(5201, "Tess", "en")
DISCORD_DIRK = 5202


async def said(bot: TelegramBot, who: dict[str, Any], text: str, containing: str) -> Call:
    mark = await bot.say(who, text)
    return await bot.api.reply(who["id"], containing, after=mark)


async def tapped(bot: TelegramBot, who: dict[str, Any], message: Call, action: str, containing: str) -> Call:
    assert action in message.actions, (action, message.actions)
    mark = len(bot.api.calls)
    bot.api.press(who, message, action)
    return await bot.api.reply(who["id"], containing, after=mark)


async def rate_on_telegram(bot: TelegramBot, name: str, values: list[str]) -> Call:
    """Yes (used), No (works there), one value per criterion, No note; the last answer."""
    step = await said(bot, TESS, f"/meetlat {name}", "Have you used it yourself")
    step = await tapped(bot, TESS, step, "cv:meetlat_rate:used:yes", "Do you work for")
    step = await tapped(bot, TESS, step, "cv:meetlat_rate:works:no", "1/3")
    for index, value in enumerate(values):
        following = f"{index + 2}/3" if index + 1 < len(values) else "A short note"
        step = await tapped(bot, TESS, step, f"cv:meetlat_rate:c{index}:{value}", following)
    return await tapped(bot, TESS, step, "cv:meetlat_rate:note:skip", "Your rating of")


async def discord_step(fake: FakeDiscord, action: str, containing: str) -> str:  # noqa: F811
    pressed = await fake.press(action, DISCORD_DIRK, dm=True)
    await fake.wait_for(lambda: any(containing in text for text in fake.texts(pressed)), what=f"the answer to {action}")
    return next(text for text in fake.texts(pressed) if containing in text)


async def test_rating_and_scores_on_telegram_and_discord(
    start_bot: StartBot,  # noqa: F811
    fake: FakeDiscord,  # noqa: F811
    werkbot_on_discord: Any,  # noqa: F811
) -> None:
    bot = await start_bot()
    app: Werkbot = bot.app
    app.clock._running().pause()
    criteria = await with_method(app)
    broodfonds = await item(app)
    service = meetlat_of(app)
    tess = await make_member(app, str(TESS["id"]), platform="telegram")
    dirk = await make_member(app, str(DISCORD_DIRK), platform="discord")

    async with werkbot_on_discord(app=app):
        # Tess rates on Telegram, then changes her mind: one rating, the second one.
        first = await rate_on_telegram(bot, "Broodfonds", ["4", "skip", "5"])
        assert "is saved" in first.text and "It counts" in first.text
        second = await rate_on_telegram(bot, "brood", ["2", "3", "5"])
        assert "is changed" in second.text
        rating = await service.own_rating(broodfonds.id, tess)
        assert rating is not None and rating.scores == {criteria[0]: 2, criteria[1]: 3, criteria[2]: 5}
        assert len((await service.export(tess))["earlier_ratings"]) == 1

        # Under five raters: no figures, a placeholder card.
        mark = await bot.say(TESS, f"/meetlat_score {broodfonds.id}")
        shown = await bot.api.reply(TESS["id"], "No score yet", after=mark)
        assert "2.00" not in shown.text and f"ml:rate:{broodfonds.id}" in shown.actions

        # Dirk rates on Discord from the button under the scores.
        scores = await fake.command("rate_score", DISCORD_DIRK, {"item": "Broodfonds"}, dm=True)
        await fake.wait_for(lambda: any(f"ml:rate:{broodfonds.id}" in custom_ids(r.json or {}) for r in fake.answers(scores)), what="the scores")
        await discord_step(fake, f"ml:rate:{broodfonds.id}", "Have you used it yourself")
        await discord_step(fake, "cv:meetlat_rate:used:yes", "Do you work for")
        await discord_step(fake, "cv:meetlat_rate:works:no", "1/3")
        await discord_step(fake, "cv:meetlat_rate:c0:5", "2/3")
        await discord_step(fake, "cv:meetlat_rate:c1:4", "3/3")
        await discord_step(fake, "cv:meetlat_rate:c2:skip", "A short note")
        saved = await discord_step(fake, "cv:meetlat_rate:note:skip", "Your rating of")
        assert "It counts" in saved
        assert (await service.own_rating(broodfonds.id, dirk)) is not None

        # Three more raters: published, with the scorecard image on both platforms.
        await rate_all(app, broodfonds.id, await raters(app, 3), {criteria[0]: 3, criteria[1]: 3, criteria[2]: 3})
        mark = await bot.say(TESS, "/meetlat_score Broodfonds")
        text = await bot.api.reply(TESS["id"], "Method v1 · 5 raters", after=mark)
        assert "Flexibility:" in text.text and "(n=5," in text.text
        card = await bot.api.wait_for(
            lambda: [c for c in bot.api.sent(TESS["id"], method=("sendPhoto", "sendDocument"), after=mark)], what="the scorecard"
        )
        assert card[0].ok
        stored = list(bot.api.files.values())[-1]
        assert stored[0].endswith(".png") and stored[1].startswith(b"\x89PNG")

        shown_on_discord = await fake.command("rate_score", DISCORD_DIRK, {"item": str(broodfonds.id)}, dm=True)

        def png_sent() -> bool:
            return any(name.endswith(".png") and data.startswith(b"\x89PNG") for record in fake.answers(shown_on_discord) for name, data in record.files.items())

        await fake.wait_for(png_sent, what="the scorecard on Discord")
        assert fake.refused == []
