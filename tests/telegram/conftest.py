"""A started Werkbot with the real Telegram adapter, talking to the fake Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest

from bot.adapters.telegram import Limits, TelegramAdapter, WebhookOptions
from bot.app import Werkbot
from bot.platforms import telegram_options
from config import Settings
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi

# Telegram's real limits would make a conversation test wait seconds per step; the limit
# test itself uses tight, scaled-down limits. Backoff is short so retries stay quick.
FAST = Limits(private_burst=1000, group_rate=1000, backoff_base=0.05, backoff_max=0.2)


@dataclass
class TelegramBot:
    app: Werkbot
    adapter: TelegramAdapter
    api: FakeBotApi

    async def say(self, who: dict[str, Any], text: str, chat: dict[str, Any] | None = None) -> int:
        """Send ``text`` as ``who``; returns the call index to look for replies after."""
        mark = len(self.api.calls)
        self.api.message(who, text, chat)
        return mark


StartBot = Callable[..., Awaitable[TelegramBot]]


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def start_bot(
    make_settings: Callable[..., Settings], api: FakeBotApi
) -> AsyncIterator[StartBot]:
    started: list[TelegramBot] = []

    async def start(
        *,
        limits: Limits = FAST,
        webhook: WebhookOptions | None = None,
        adapter_options: dict[str, Any] | None = None,
        **settings: Any,
    ) -> TelegramBot:
        values: dict[str, Any] = {
            "telegram_token": TOKEN,
            "telegram_api_base_url": api.base_url,
            "telegram_poll_timeout": 5,
        }
        values.update(settings)
        app = Werkbot(make_settings(**values))
        await app.start()
        options = replace(
            telegram_options(app.settings, app.roles.privileged_on("telegram")),
            limits=limits,
            webhook=webhook,
            **(adapter_options or {}),
        )
        adapter = TelegramAdapter(app.router.handle, app.registry, options)
        app.delivery.attach(adapter)
        bot = TelegramBot(app, adapter, api)
        started.append(bot)
        await adapter.start()
        return bot

    yield start
    for bot in reversed(started):
        try:
            await bot.app.stop_sending()
            await bot.adapter.stop()
        finally:
            await bot.app.stop()
