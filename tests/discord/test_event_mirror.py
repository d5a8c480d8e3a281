"""Events mirrored as Discord scheduled events: the real discord.py client against the fake
Discord, which stores the events and refuses what Discord refuses.

Every assertion is on what "Discord" stored or received. ``fake.refused`` stays empty in
the tests of what the bot sends: the adapter keeps within Discord's limits itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import discord
import pytest
import time_machine

import bot.__main__ as main
from bot.adapters.discord import DiscordAdapter, MirrorUnavailable
from bot.app import Werkbot
from bot.core.clock import utcnow
from bot.core.mirror import MirroredEvent
from bot.core.types import Chat, Reply
from bot.platforms import discord_options, event_mirror, platform_adapters
from config import Settings
from tests.discord.fake import (
    ACTIVE,
    CANCELLED,
    COMPLETED,
    GUILD_ID,
    SCHEDULED,
    FakeDiscord,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
EVENTS = rf"^/guilds/{GUILD_ID}/scheduled-events$"


def _event(
    starts_in: timedelta = timedelta(days=7), hours: float = 3, **changes: Any
) -> MirroredEvent:
    """The Festival van de Vernieuwing, in Dutch time, ``starts_in`` from now."""
    start = (utcnow() + starts_in).astimezone(AMSTERDAM).replace(microsecond=0)
    event = MirroredEvent(
        event_id=12,
        title="Festival van de Vernieuwing",
        description="Een dag over werk dat anders kan.",
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        location="De Werkplaats\nOudegracht 1, Utrecht",
    )
    return replace(event, **changes)


def _stored(fake: FakeDiscord, mirror_id: str | None) -> dict[str, Any]:
    assert mirror_id is not None and mirror_id.isdigit()
    return fake.scheduled_events[int(mirror_id)]


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


async def test_an_event_becomes_an_external_scheduled_event_in_the_server(
    fake: FakeDiscord, werkbot_on_discord: Any
) -> None:
    event = _event()
    async with werkbot_on_discord(guild_id=GUILD_ID) as (_app, adapter):
        mirror_id = await adapter.mirror_event(event, None)

    stored = _stored(fake, mirror_id)
    assert stored["name"] == "Festival van de Vernieuwing"
    assert stored["description"] == "Een dag over werk dat anders kan."
    assert stored["entity_type"] == 3  # external: a place, not a voice channel
    assert stored["privacy_level"] == 2  # guild only
    assert stored["status"] == SCHEDULED
    assert stored["channel_id"] is None
    # The lines of the place become one line, as Discord shows it.
    assert stored["entity_metadata"] == {"location": "De Werkplaats, Oudegracht 1, Utrecht"}
    # Dutch time in, UTC out: the same moment.
    assert stored["scheduled_start_time"] == _utc_iso(event.starts_at)
    assert stored["scheduled_end_time"] == _utc_iso(event.ends_at)
    assert stored["scheduled_start_time"].endswith("+00:00")
    posted = fake.calls("POST", EVENTS)
    assert len(posted) == 1
    assert posted[0].json["scheduled_start_time"].endswith("+00:00")
    assert fake.refused == []


async def test_a_changed_time_edits_the_same_scheduled_event(
    fake: FakeDiscord, werkbot_on_discord: Any
) -> None:
    event = _event()
    moved = replace(
        event,
        starts_at=event.starts_at + timedelta(days=1, hours=2),
        ends_at=event.ends_at + timedelta(days=1, hours=4),
        location="Online: https://meet.example.org/festival",
    )
    async with werkbot_on_discord(guild_id=GUILD_ID) as (_app, adapter):
        mirror_id = await adapter.mirror_event(event, None)
        again = await adapter.mirror_event(moved, mirror_id)

    assert again == mirror_id
    assert len(fake.scheduled_events) == 1
    stored = _stored(fake, mirror_id)
    assert stored["scheduled_start_time"] == _utc_iso(moved.starts_at)
    assert stored["scheduled_end_time"] == _utc_iso(moved.ends_at)
    assert stored["entity_metadata"] == {"location": "Online: https://meet.example.org/festival"}
    assert len(fake.calls("POST", EVENTS)) == 1
    assert len(fake.scheduled_event_calls("PATCH")) == 1
    assert fake.refused == []


async def test_cancelling_sets_a_scheduled_event_cancelled_and_leaves_the_rest(
    fake: FakeDiscord, werkbot_on_discord: Any
) -> None:
    async with werkbot_on_discord(guild_id=GUILD_ID) as (_app, adapter):
        first = await adapter.mirror_event(_event(), None)
        assert first is not None
        await adapter.cancel_mirrored_event(first)
        assert _stored(fake, first)["status"] == CANCELLED
        patches = len(fake.scheduled_event_calls("PATCH"))

        # Already cancelled, or deleted in Discord: nothing to do, nothing refused.
        await adapter.cancel_mirrored_event(first)
        await adapter.cancel_mirrored_event("4242")
        assert len(fake.scheduled_event_calls("PATCH")) == patches

        # Discord only cancels a scheduled event: a running or completed one is left.
        running = await adapter.mirror_event(_event(event_id=13), None)
        done = await adapter.mirror_event(_event(event_id=14), None)
        assert running is not None and done is not None
        fake.set_event_status(int(running), ACTIVE)
        fake.set_event_status(int(done), COMPLETED)
        await adapter.cancel_mirrored_event(running)
        await adapter.cancel_mirrored_event(done)
        assert _stored(fake, running)["status"] == ACTIVE
        assert _stored(fake, done)["status"] == COMPLETED
        assert len(fake.scheduled_event_calls("PATCH")) == patches

        # A cancelled event passed to mirror_event cancels its copy and keeps the id.
        later = await adapter.mirror_event(_event(event_id=15), None)
        kept = await adapter.mirror_event(_event(event_id=15, cancelled=True), later)
        assert kept == later
        assert _stored(fake, later)["status"] == CANCELLED
        # ...and one that never had a copy gets none.
        assert await adapter.mirror_event(_event(event_id=16, cancelled=True), None) is None
    assert fake.refused == []


async def test_a_copy_discord_no_longer_knows_is_created_anew(
    fake: FakeDiscord, werkbot_on_discord: Any
) -> None:
    event = _event()
    async with werkbot_on_discord(guild_id=GUILD_ID) as (_app, adapter):
        # An id Discord never had (404, code 10070): a new copy, and its id.
        new = await adapter.mirror_event(event, "4242")
        assert new is not None and new != "4242"
        assert _stored(fake, new)["name"] == event.title

        # A moderator deleted the copy in Discord.
        fake.scheduled_events.clear()
        again = await adapter.mirror_event(event, new)
        assert again is not None and again != new
        assert list(fake.scheduled_events) == [int(again)]

        # A moderator cancelled the copy by hand: the bot's list is the truth, the event
        # is still ahead, so it gets a new copy.
        fake.set_event_status(int(again), CANCELLED)
        third = await adapter.mirror_event(event, again)
        assert third not in (again, None)
        assert _stored(fake, third)["status"] == SCHEDULED
    assert fake.refused == []


async def test_an_event_that_has_started_is_not_created_and_its_copy_keeps_its_start(
    fake: FakeDiscord, werkbot_on_discord: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.adapters.discord._events")
    async with werkbot_on_discord(guild_id=GUILD_ID) as (_app, adapter):
        # Already begun (or starting within the minute a request may take): no copy.
        assert await adapter.mirror_event(_event(starts_in=-timedelta(hours=1)), None) is None
        assert await adapter.mirror_event(_event(starts_in=timedelta(seconds=20)), None) is None
        assert not fake.calls("POST", EVENTS)
        assert "has started" in caplog.text

        # A copy made in time; then the event begins, and its description and end change.
        event = _event(starts_in=timedelta(hours=2))
        mirror_id = await adapter.mirror_event(event, None)
        assert mirror_id is not None
        stored_start = _stored(fake, mirror_id)["scheduled_start_time"]
        later = replace(
            event,
            title="Festival (nieuwe naam)",
            description="Nu met een extra workshop.",
            starts_at=event.starts_at + timedelta(minutes=15),
            ends_at=event.ends_at + timedelta(hours=1),
        )
        with time_machine.travel(utcnow() + timedelta(hours=2, minutes=30)):
            assert await adapter.mirror_event(later, mirror_id) == mirror_id
        patch = fake.scheduled_event_calls("PATCH")[-1].json
        assert "scheduled_start_time" not in patch and "name" not in patch
        stored = _stored(fake, mirror_id)
        assert stored["scheduled_start_time"] == stored_start
        assert stored["name"] == "Festival van de Vernieuwing"
        assert stored["description"] == "Nu met een extra workshop."
        assert stored["scheduled_end_time"] == _utc_iso(later.ends_at)

        # Started in Discord by a moderator: the same, even while the bot's start is ahead.
        fake.set_event_status(int(mirror_id), ACTIVE)
        assert await adapter.mirror_event(replace(later, description="Zaal 2."), mirror_id) == (
            mirror_id
        )
        assert _stored(fake, mirror_id)["description"] == "Zaal 2."
        assert _stored(fake, mirror_id)["status"] == ACTIVE

        # Over in Discord and begun for the bot: the old copy stays, nothing is created.
        fake.set_event_status(int(mirror_id), COMPLETED)
        with time_machine.travel(utcnow() + timedelta(hours=6)):
            assert await adapter.mirror_event(later, mirror_id) == mirror_id
        assert len(fake.calls("POST", EVENTS)) == 1
    assert fake.refused == []


async def test_texts_are_shortened_to_discords_limits(
    fake: FakeDiscord, werkbot_on_discord: Any
) -> None:
    event = _event(
        title="Vernieuwing " * 12 + "😀" * 20,
        description="Een lange dag. " * 100,
        location="Een heel lange plaatsnaam " * 6,
    )
    async with werkbot_on_discord(guild_id=GUILD_ID) as (_app, adapter):
        mirror_id = await adapter.mirror_event(event, None)
        blank = await adapter.mirror_event(
            _event(event_id=77, title="  ", description=" ", location=""), None
        )
        with pytest.raises(ValueError, match="does not end after it starts"):
            await adapter.mirror_event(_event(hours=0), None)

    assert fake.refused == []
    stored = _stored(fake, mirror_id)
    assert len(stored["name"]) <= 100 and stored["name"].endswith("…")
    assert stored["name"].startswith("Vernieuwing Vernieuwing")
    assert len(stored["description"]) <= 1000 and stored["description"].endswith("…")
    location = stored["entity_metadata"]["location"]
    assert len(location) <= 100 and location.endswith("…")
    empty = _stored(fake, blank)
    assert empty["name"] == "#77"
    assert empty["description"] is None
    assert empty["entity_metadata"] == {"location": "—"}
    assert len(fake.calls("POST", EVENTS)) == 2  # the event that ends at its start: not sent


async def test_the_fake_refuses_what_discord_refuses(
    fake: FakeDiscord, werkbot_on_discord: Any
) -> None:
    """The adapter never sends these; discord.py sent straight shows that the fake would
    have caught it."""
    start = utcnow() + timedelta(days=1)
    async with werkbot_on_discord(guild_id=GUILD_ID) as (_app, adapter):
        guild = adapter.client.get_guild(GUILD_ID)
        assert guild is not None

        async def create(**changes: Any) -> discord.HTTPException:
            values: dict[str, Any] = {
                "name": "Festival",
                "start_time": start,
                "end_time": start + timedelta(hours=2),
                "entity_type": discord.EntityType.external,
                "privacy_level": discord.PrivacyLevel.guild_only,
                "location": "Utrecht",
            }
            values.update(changes)
            with pytest.raises(discord.HTTPException) as refused:
                await guild.create_scheduled_event(**values)
            return refused.value

        assert (await create(name="x" * 101)).status == 400
        assert (await create(description="x" * 1001)).status == 400
        assert (await create(location="x" * 101)).status == 400
        past = await create(start_time=utcnow() - timedelta(minutes=1))
        assert past.code == 50035 and "Cannot schedule event in the past" in past.text
        assert (await create(end_time=start - timedelta(hours=1))).status == 400
        fields = [set(answer["errors"]) for _request, answer in fake.refused]
        assert fields == [
            {"name"},
            {"description"},
            {"entity_metadata"},
            {"scheduled_start_time"},
            {"scheduled_end_time"},
        ]

        event = await guild.create_scheduled_event(
            name="Festival",
            start_time=start,
            end_time=start + timedelta(hours=2),
            entity_type=discord.EntityType.external,
            privacy_level=discord.PrivacyLevel.guild_only,
            location="Utrecht",
        )
        fake.set_event_status(event.id, ACTIVE)
        with pytest.raises(discord.HTTPException) as not_cancellable:
            await event.edit(status=discord.EventStatus.cancelled)
        assert not_cancellable.value.code == 50035
        assert set(fake.refused[-1][1]["errors"]) == {"status"}
        fake.set_event_status(event.id, COMPLETED)
        with pytest.raises(discord.HTTPException) as finished:
            await event.edit(description="later")
        assert finished.value.code == 180000
        with pytest.raises(discord.NotFound) as unknown:
            await guild.fetch_scheduled_event(4242)
        assert unknown.value.code == 10070
        listed = await guild.fetch_scheduled_events()
        assert [item.id for item in listed] == [event.id]
        await event.delete()
        assert fake.scheduled_events == {}


async def test_without_a_server_mirroring_is_unavailable(
    fake: FakeDiscord, werkbot_on_discord: Any
) -> None:
    async with werkbot_on_discord(guild_id=None) as (_app, adapter):
        with pytest.raises(MirrorUnavailable, match="DISCORD_GUILD_ID"):
            await adapter.mirror_event(_event(), None)
        with pytest.raises(MirrorUnavailable, match="DISCORD_GUILD_ID"):
            await adapter.cancel_mirrored_event("4242")
    assert not fake.scheduled_event_calls("POST")
    assert not fake.scheduled_event_calls("GET")


async def test_a_server_the_bot_is_not_in_or_may_not_manage_is_a_clear_error(
    fake: FakeDiscord, werkbot_on_discord: Any
) -> None:
    async with werkbot_on_discord(guild_id=GUILD_ID + 1) as (_app, adapter):
        with pytest.raises(MirrorUnavailable, match="not \\(yet\\) connected"):
            await adapter.mirror_event(_event(), None)
    async with werkbot_on_discord(guild_id=GUILD_ID) as (_app, adapter):
        fake.fail("POST", EVENTS, 403, {"message": "Missing Permissions", "code": 50013})
        with pytest.raises(MirrorUnavailable, match="Manage Events"):
            await adapter.mirror_event(_event(), None)
    assert fake.scheduled_events == {}


async def test_discord_server_errors_are_retried_by_discord_py_or_on_the_next_call(
    fake: FakeDiscord, werkbot_on_discord: Any
) -> None:
    event = _event()
    async with werkbot_on_discord(guild_id=GUILD_ID) as (_app, adapter):
        # A 500 once: discord.py waits a second and sends the request again itself.
        fake.fail("POST", EVENTS, 500)
        mirror_id = await adapter.mirror_event(event, None)
        assert mirror_id is not None
        assert len(fake.calls("POST", EVENTS)) == 2
        assert list(fake.scheduled_events) == [int(mirror_id)]

        # A 503 is not retried by discord.py: the call fails (the events module logs it)
        # and the next call succeeds.
        fake.scheduled_events.clear()
        fake.fail("POST", EVENTS, 503)
        with pytest.raises(discord.DiscordServerError):
            await adapter.mirror_event(event, None)
        assert fake.scheduled_events == {}
        retried = await adapter.mirror_event(event, None)
        assert retried is not None
        assert list(fake.scheduled_events) == [int(retried)]

        # The same for an edit.
        fake.fail("PATCH", rf"^/guilds/{GUILD_ID}/scheduled-events/\d+$", 503)
        moved = replace(event, starts_at=event.starts_at + timedelta(hours=1))
        with pytest.raises(discord.DiscordServerError):
            await adapter.mirror_event(moved, retried)
        assert await adapter.mirror_event(moved, retried) == retried
        assert _stored(fake, retried)["scheduled_start_time"] == _utc_iso(moved.starts_at)
    assert fake.refused == []


# -- wiring ------------------------------------------------------------------------------


def _discord_settings(
    fake: FakeDiscord, make_settings: Callable[..., Settings], **more: Any
) -> Settings:
    return make_settings(
        discord_token=fake.token,
        discord_api_base_url=fake.api_base,
        discord_gateway_url=fake.gateway_url,
        discord_guild_id=GUILD_ID,
        **more,
    )


@pytest.mark.parametrize("events", [True, False])
async def test_serve_attaches_the_started_adapter_as_mirror_only_when_the_setting_is_on(
    fake: FakeDiscord,
    make_settings: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
    events: bool,
) -> None:
    started = asyncio.Event()
    # The end of start-up: _serve calls it once every adapter runs (and it would freeze
    # the test process's objects).
    monkeypatch.setattr(main.collector, "settle", started.set)
    app = Werkbot(_discord_settings(fake, make_settings, discord_events=events))
    await app.start()
    try:
        adapters = platform_adapters(app)
        serving = asyncio.create_task(main._serve(app, adapters))
        await asyncio.wait_for(started.wait(), timeout=30)
        if events:
            assert app.mirrors.platforms == ["discord"]
            attached: object = app.mirrors.get("discord")
            assert attached is adapters[0]
        else:
            assert app.mirrors.platforms == []
        serving.cancel()
        with pytest.raises(asyncio.CancelledError):
            await serving
        assert app.mirrors.get("discord") is None  # detached when it stopped
    finally:
        await app.stop()


def test_the_setting_reaches_the_options_and_a_missing_server_is_warned_about(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    assert discord_options(make_settings(discord_token="t")).events is False
    on = discord_options(
        make_settings(discord_token="t", discord_guild_id="1000", discord_events=True)
    )
    assert on.events is True and on.guild_id == 1000
    assert "DISCORD_EVENTS" not in caplog.text
    discord_options(make_settings(discord_token="t", discord_events="true"))
    assert "DISCORD_EVENTS is on but DISCORD_GUILD_ID is unset" in caplog.text


class _Telegram:
    platform = "telegram"

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, chat: Chat, reply: Reply) -> str | None:
        return None


async def test_only_a_discord_adapter_with_the_setting_is_a_mirror(
    make_settings: Callable[..., Settings],
) -> None:
    app = Werkbot(make_settings(discord_token="t", discord_guild_id="1000", discord_events=True))
    try:
        (adapter,) = platform_adapters(app)
        assert isinstance(adapter, DiscordAdapter)
        mirror: object = event_mirror(adapter)
        assert mirror is adapter
        off = DiscordAdapter(
            app.router.handle, app.registry, replace(adapter.options, events=False)
        )
        assert event_mirror(off) is None
        assert event_mirror(_Telegram()) is None
    finally:
        await app.stop()
