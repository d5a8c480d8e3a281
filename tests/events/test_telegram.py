"""Events through the real Telegram adapter against the fake Bot API server (and the real
Discord adapter against the fake Discord, for the member who signs up there).

The event starts within the hour, so the door is open without travelling in time while
real sockets run; reminders (24 h and 2 h before) lie in the past and are not planned.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from bot.adapters.telegram._keyboards import start_link
from bot.app import Werkbot
from bot.core.clock import utcnow
from bot.platforms import attach_links
from cogs.events.door import checkin_payload, format_code, new_checkin_code, normalize_code, qr_png
from cogs.events.render import clock
from storage.records.events import SignupRecord
from tests.discord.conftest import fake, werkbot_on_discord  # noqa: F401  (fixtures)
from tests.discord.fake import FakeDiscord
from tests.events.conftest import event_file
from tests.surveys.conftest import FIVE_QUESTIONS, make_member
from tests.telegram.conftest import StartBot, TelegramBot, api, start_bot  # noqa: F401  (fixtures)
from tests.telegram.fake_bot_api import BOT_USERNAME, Call, user

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

OLGA = user(4801, "Olga", "nl")
"""An organizer (ORGANIZERS=telegram:4801) who speaks Dutch: she works the door."""
TESS = user(4802, "Tess", "en")
DINA = user(4803, "Dina", "en")
"""A member on door duty for one event (``/deurploeg``)."""
DISCORD_DIRK = 502
CODE = re.compile(r"\b[A-Z2-7]{4}(?:-[A-Z2-7]{1,4}){6}\b")


def soon_file(
    *, title: str = "Ledenavond Utrecht", hours: float = 0.75, capacity: int = 1
) -> bytes:
    """An event starting ``hours`` from now, three hours long."""
    starts = (utcnow() + timedelta(hours=hours)).replace(second=0, microsecond=0)
    return event_file(
        title=title,
        starts=starts.strftime("%Y-%m-%d %H:%M+00:00"),
        ends=(starts + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M+00:00"),
        capacity=capacity,
    )


async def said(bot: TelegramBot, who: dict[str, Any], text: str, containing: str) -> Call:
    mark = await bot.say(who, text)
    return await bot.api.reply(who["id"], containing, after=mark)


async def test_telegram_and_discord_share_one_list_and_the_door_scans_the_qr_code(
    start_bot: StartBot,  # noqa: F811
    fake: FakeDiscord,  # noqa: F811
    werkbot_on_discord: Any,  # noqa: F811
) -> None:
    bot = await start_bot(organizers=f"telegram:{OLGA['id']}")
    app, telegram = bot.app, bot.api
    # What _serve does once the adapter runs: the QR codes link to the bot.
    attach_links(app.links, bot.adapter)
    assert app.links.start("x") == f"https://t.me/{BOT_USERNAME}?start=x"
    tess = await make_member(app, str(TESS["id"]), platform="telegram")
    await make_member(app, str(DISCORD_DIRK), platform="discord")

    mark = len(telegram.calls)
    telegram.document(OLGA, "ledenavond.yaml", soon_file())
    created = await telegram.reply(OLGA["id"], "Evenement 1 is gemaakt", after=mark)
    assert "Ledenavond Utrecht" in created.text

    # Tess opens the event on Telegram and presses "I'm coming" on that message.
    page = await said(bot, TESS, "/evenement 1", "Ledenavond Utrecht")
    assert "1 place left" in page.text and "ev:go:1" in page.actions
    mark = len(telegram.calls)
    telegram.press(TESS, page, "ev:go:1")
    await telegram.reply(TESS["id"], "You are going", after=mark)
    documents = await telegram.wait_for(
        lambda: telegram.sent(TESS["id"], method="sendDocument", after=mark),
        what="the calendar file",
    )
    (name, ics) = documents[0].files["document"]
    assert name.endswith(".ics") and b"BEGIN:VCALENDAR" in ics and b"Ledenavond Utrecht" in ics
    photos = await telegram.wait_for(
        lambda: telegram.sent(TESS["id"], method="sendPhoto", after=mark), what="the QR code"
    )
    found = CODE.search(photos[0].text)
    assert found, photos[0].text
    code = normalize_code(found.group(0))
    assert code is not None
    link = start_link(BOT_USERNAME, checkin_payload(code))
    assert link == f"https://t.me/{BOT_USERNAME}?start=ci-{code}"
    # The photo is the QR code of exactly that link (segno draws the same bytes each time).
    assert photos[0].files["photo"][1] == qr_png(link)
    assert (await _signup(app, 1, tess)).checkin_code == code

    # Dirk presses the same button on Discord: the one place is taken, he waits.
    async with werkbot_on_discord(app=app):
        pressed = await fake.press("ev:go:1", DISCORD_DIRK)
        await fake.wait_for(
            lambda: any("waitlist, number 1" in text for text in fake.texts(pressed)),
            what="the waitlist answer on Discord",
        )

    attendees = await said(bot, OLGA, "/deelnemers 1", "Wachtlijst:")
    # "Komen: 1" once the Dutch catalog has the new "Going: {n}" (render.participants).
    assert re.search(r"^(Komen|Going): 1$", attendees.text, re.MULTILINE), attendees.text
    assert re.search(r"^Wachtlijst: 1$", attendees.text, re.MULTILINE), attendees.text
    csv_file = await telegram.wait_for(
        lambda: telegram.sent(
            OLGA["id"], method="sendDocument", containing="volgorde van aanmelding"
        ),
        what="the CSV of attendees",
    )
    assert csv_file[0].files["document"][0] == "deelnemers-1.csv"

    # The door: Olga scans Tess's QR code, which opens the bot with /start ci-<code>.
    scanned = await said(bot, OLGA, f"/start ci-{code}", "Ingecheckt")
    assert "Welkom, Lid 4802" in scanned.text
    checked = await _signup(app, 1, tess)
    assert checked.checked_in_at is not None
    again = await said(bot, OLGA, f"/start ci-{code}", "al ingecheckt")
    assert f"al ingecheckt, om {clock(checked.checked_in_at, 'Europe/Amsterdam')}" in again.text

    # A code of another event, a month ahead: the organizer's door for it is not open yet,
    # and a member on door duty for this event only hears it is for another event.
    service = app.events.service
    other = await service.import_file(soon_file(title="Festival", hours=24 * 30), "test")
    elsewhere = (await service.rsvp(other.id, tess, going=True)).signup
    refused = await said(bot, OLGA, f"/start ci-{elsewhere.checkin_code}", "Festival")
    assert "Welkom" not in refused.text and "Ingecheckt" not in refused.text
    dina = await make_member(app, str(DINA["id"]), platform="telegram")
    await said(bot, OLGA, f"/deurploeg 1 {dina}", "/inchecken")
    wrong = await said(bot, DINA, f"/start ci-{elsewhere.checkin_code}", "another event")
    assert "“Festival”" in wrong.text
    assert (await _signup(app, other.id, tess)).checked_in_at is None
    unknown = await said(bot, OLGA, f"/start ci-{new_checkin_code()}", "Onbekende code")
    assert "Ingecheckt" not in unknown.text
    typed = await said(bot, OLGA, f"/inchecken {format_code(code)}", "al ingecheckt")
    assert typed.ok


async def _signup(app: Werkbot, event_id: int, member_id: int) -> SignupRecord:
    found = await app.events.service.signup_of(event_id, member_id)
    assert found is not None
    return found


async def test_an_event_file_from_a_member_is_refused_and_nothing_is_created(
    start_bot: StartBot,  # noqa: F811
) -> None:
    bot = await start_bot(organizers=f"telegram:{OLGA['id']}")
    await make_member(bot.app, str(TESS["id"]), platform="telegram")
    mark = len(bot.api.calls)
    bot.api.document(TESS, "festival.yaml", soon_file())
    refused = await bot.api.reply(TESS["id"], "Only organizers can create events", after=mark)
    assert refused.ok
    assert await bot.app.events.service.upcoming(everything=True) == []


async def test_a_survey_file_still_makes_a_survey_and_an_event_file_an_event(
    start_bot: StartBot,  # noqa: F811
) -> None:
    bot = await start_bot(organizers=f"telegram:{OLGA['id']}")
    app, telegram = bot.app, bot.api
    survey_file = FIVE_QUESTIONS.format(mode="named", results="live", closes="2099-12-14 18:00")
    mark = len(telegram.calls)
    telegram.document(OLGA, "peiling.yaml", survey_file.encode())
    await telegram.reply(OLGA["id"], "Werk en zekerheid", after=mark)
    assert [survey.title for survey in await app.surveys.service.all()] == ["Werk en zekerheid"]
    assert await app.events.service.upcoming(everything=True) == []

    mark = len(telegram.calls)
    telegram.document(OLGA, "Festival.YML", soon_file(title="Festival", hours=48))
    await telegram.reply(OLGA["id"], "Evenement 1 is gemaakt", after=mark)
    assert [event.title for event in await app.events.service.upcoming(everything=True)] == [
        "Festival"
    ]
    assert len(await app.surveys.service.all()) == 1
