"""Events through the real Discord adapter against the fake Discord: the list with its
buttons, signing up, an event file sent in a direct message, and the event mirrored as a
scheduled event in the server (DISCORD_EVENTS on) until it is cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.core.clock import utcnow
from bot.platforms import event_mirror
from config import Settings
from storage.records.events import SignupState
from tests.discord.conftest import fake, werkbot_on_discord  # noqa: F401  (fixtures)
from tests.discord.fake import CANCELLED, GUILD_ID, SCHEDULED, FakeDiscord, custom_ids
from tests.events.conftest import event_file
from tests.surveys.conftest import make_member

OLGA = 601
"""An organizer (ORGANIZERS=discord:601)."""
DIRK = 502


def week_ahead_file(title: str = "Festival voor Modern Werkenden") -> bytes:
    starts = (utcnow() + timedelta(days=7)).replace(second=0, microsecond=0)
    return event_file(
        title=title,
        starts=starts.strftime("%Y-%m-%d %H:%M+00:00"),
        ends=(starts + timedelta(hours=7)).strftime("%Y-%m-%d %H:%M+00:00"),
        capacity=50,
    )


def callback_ids(fake: FakeDiscord, interaction: str) -> list[str]:  # noqa: F811
    return [
        action for record in fake.answers(interaction) for action in custom_ids(record.json or {})
    ]


async def test_the_list_signing_up_and_the_mirrored_scheduled_event(
    fake: FakeDiscord,  # noqa: F811
    werkbot_on_discord: Any,  # noqa: F811
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(
        organizers=f"discord:{OLGA}", discord_guild_id=GUILD_ID, discord_events=True
    )
    async with werkbot_on_discord(settings=settings, events=True) as (app, adapter):
        mirror = event_mirror(adapter)
        assert mirror is adapter
        app.mirrors.attach(mirror)  # what _serve does once the adapter runs
        dirk = await make_member(app, str(DIRK), platform="discord")

        # An event file in a direct message from the organizer.
        await fake.direct_message(OLGA, "", files={"festival.yaml": week_ahead_file()})
        await fake.wait_for(
            lambda: any("Evenement 1 is gemaakt" in t for t in fake.dm_texts(OLGA)),
            what="the event to be created",
        )
        event = await app.events.service.get(1)
        assert event.discord_event_id is not None
        mirror_id = int(event.discord_event_id)
        stored = fake.scheduled_events[mirror_id]
        assert stored["name"] == "Festival voor Modern Werkenden"
        assert stored["status"] == SCHEDULED
        assert stored["entity_metadata"]["location"].startswith("Seats2meet Utrecht CS")

        # /evenementen lists it with a button; the button shows it; "I'm coming" signs up.
        listed = await fake.command("events", DIRK)
        await fake.wait_for(lambda: fake.texts(listed), what="the list")
        assert "Festival voor Modern Werkenden" in fake.texts(listed)[0]
        assert callback_ids(fake, listed) == ["ev:show:1"]
        shown = await fake.press("ev:show:1", DIRK)
        await fake.wait_for(lambda: "ev:go:1" in callback_ids(fake, shown), what="the page")
        assert any("50 places left" in text for text in fake.texts(shown))
        going = await fake.press("ev:go:1", DIRK)
        await fake.wait_for(
            lambda: any("You are going" in text for text in fake.texts(going)),
            what="the sign-up",
        )
        signup = await app.events.service.signup_of(1, dirk)
        assert signup is not None and signup.state is SignupState.GOING

        def files() -> list[str]:
            return [name for record in fake.answers(going) for name in record.files]

        await fake.wait_for(
            lambda: (
                any(name.endswith(".ics") for name in files())
                and any(name.endswith(".png") for name in files())
            ),
            what="the calendar file and the QR code",
        )

        # Pressed again: still one place, the same code.
        again = await fake.press("ev:go:1", DIRK)
        await fake.wait_for(
            lambda: any("You are going" in text for text in fake.texts(again)),
            what="the second press",
        )
        left, _waiting = await app.events.service.availability(event)
        assert left == 49
        after = await app.events.service.signup_of(1, dirk)
        assert after is not None and after.id == signup.id
        assert (after.checkin_code, after.position) == (signup.checkin_code, signup.position)

        # A member cannot cancel; the organizer can, and the copy in Discord is cancelled.
        refused = await fake.press("ev:cancel:1", DIRK)
        await fake.wait_for(lambda: fake.texts(refused), what="the refusal")
        assert fake.texts(refused) == ["This button is not for you."]
        assert (await app.events.service.get(1)).status.value == "planned"
        asked = await fake.command("event_cancel", OLGA, {"evenement": 1}, dm=True)
        await fake.wait_for(lambda: callback_ids(fake, asked), what="the confirmation")
        assert callback_ids(fake, asked) == ["ev:cancel:1"]
        cancelled = await fake.press("ev:cancel:1", OLGA, dm=True)
        await fake.wait_for(
            lambda: fake.scheduled_events[mirror_id]["status"] == CANCELLED,
            what="the scheduled event to be cancelled",
        )
        await fake.wait_for(
            lambda: any("is cancelled" in text for text in fake.texts(cancelled)),
            what="the organizer's answer",
        )
        assert fake.refused == []
        # Dirk hears of it in his direct messages, with a calendar file that removes it.
        await fake.wait_for(
            lambda: any("cancelled" in text for text in fake.dm_texts(DIRK)),
            within=10,
            what="the cancellation notice",
        )
        channel = fake.dm_channel(DIRK)
        await fake.wait_for(
            lambda: any(
                name.endswith(".ics")
                for notice in fake.calls("POST", rf"^/channels/{channel}/messages$")
                for name in notice.files
            ),
            what="the calendar file that removes the event",
        )
