"""A fake Discord per test and a helper that runs the real Werkbot with the Discord adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from bot.adapters.discord import DiscordAdapter, DiscordOptions
from bot.app import Werkbot
from config import Settings
from tests.discord.fake import FakeDiscord


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


Runner = Callable[..., Any]


@pytest.fixture
def werkbot_on_discord(fake: FakeDiscord, make_settings: Callable[..., Settings]) -> Runner:
    """``async with werkbot_on_discord(**settings) as (app, adapter)``: a started bot."""

    @asynccontextmanager
    async def run(
        *, settings: Settings | None = None, app: Werkbot | None = None, **options: Any
    ) -> AsyncIterator[tuple[Werkbot, DiscordAdapter]]:
        own_app = app is None
        if app is None:
            app = Werkbot(settings or make_settings())
            await app.start()
        values: dict[str, Any] = {
            "token": fake.token,
            "data_dir": app.settings.data_dir,
            "api_base_url": fake.api_base,
            "gateway_url": fake.gateway_url,
            "guild_id": app.settings.discord_guild_id,
            "guild_ready_timeout": 0.05,
            "ready_timeout": 10.0,
        }
        values.update(options)
        adapter = DiscordAdapter(
            app.router.handle,
            app.registry,
            DiscordOptions(**values),
            on_unreachable=app.members.service.mark_unreachable,
        )
        app.delivery.attach(adapter)
        try:
            await adapter.start()
            yield app, adapter
        finally:
            if own_app:
                await app.stop_sending()
            await adapter.stop()
            app.delivery.detach("discord")
            if own_app:
                await app.stop()

    return run
