"""The Discord adapter's options come from the composition root, and its per-user
memories stay bounded however many users it meets (no Discord connection needed)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.adapters.discord import DiscordAdapter, DiscordOptions
from bot.app import Werkbot
from bot.platforms import discord_options, platform_adapters
from config import SettingsError


async def _nothing(_event: Any) -> list[Any]:
    return []


class _StubHttp:
    """Just enough of discord.py's HTTP client to open DM channels."""

    def __init__(self) -> None:
        self.opened: list[int] = []

    async def start_private_message(self, user_id: int) -> dict[str, Any]:
        self.opened.append(user_id)
        return {"id": str(1_000_000 + user_id)}


class _StubClient:
    def __init__(self) -> None:
        self.http = _StubHttp()

    def get_partial_messageable(self, channel_id: int, **_kwargs: Any) -> Any:
        return SimpleNamespace(id=channel_id)


def _adapter(remembered: int) -> DiscordAdapter:
    from bot.core.commands import Registry

    return DiscordAdapter(
        _nothing, Registry(), DiscordOptions(token="t", remembered_users=remembered)
    )


def test_options_default_to_ten_thousand_remembered_users() -> None:
    assert DiscordOptions(token="t").remembered_users == 10_000


async def test_dm_channels_stay_bounded_and_forget_the_least_recent() -> None:
    adapter = _adapter(100)
    stub = _StubClient()
    adapter._client = stub  # type: ignore[assignment]
    for user in range(150):
        channel = await adapter._dm_channel(str(user))
        assert channel.id == 1_000_000 + user
    assert len(adapter._dm_channels) == 100
    assert len(stub.http.opened) == 150

    await adapter._dm_channel("149")  # recent: remembered, no new REST call
    assert len(stub.http.opened) == 150
    await adapter._dm_channel("0")  # forgotten: opened again
    assert stub.http.opened[-1] == 0
    assert len(adapter._dm_channels) == 100


def test_locales_stay_bounded_and_forget_the_least_recent() -> None:
    adapter = _adapter(100)
    for user in range(150):
        adapter._identity(SimpleNamespace(id=user, display_name=f"u{user}"), "en-GB")  # type: ignore[arg-type]
    assert len(adapter._locales) == 100
    recent = adapter._identity(SimpleNamespace(id=149, display_name="u149"), None)  # type: ignore[arg-type]
    assert recent.language_hint == "en-GB"  # a direct message gets the last known locale
    forgotten = adapter._identity(SimpleNamespace(id=0, display_name="u0"), None)  # type: ignore[arg-type]
    assert forgotten.language_hint is None


def test_discord_options_from_the_settings(make_settings: Any) -> None:
    settings = make_settings(
        discord_token="secret",
        discord_guild_id="1000",
        discord_api_base_url="http://127.0.0.1:9/api/v10",
        discord_gateway_url="ws://127.0.0.1:9/",
    )
    options = discord_options(settings)
    assert options.token == "secret"
    assert options.guild_id == 1000
    assert options.data_dir == Path(settings.data_dir)
    assert options.api_base_url == "http://127.0.0.1:9/api/v10"
    assert options.gateway_url == "ws://127.0.0.1:9/"
    with pytest.raises(SettingsError, match="DISCORD_TOKEN"):
        discord_options(make_settings())


async def test_run_builds_the_discord_adapter_from_settings(make_settings: Any) -> None:
    app = Werkbot(make_settings(discord_token="secret"))
    try:
        adapters = platform_adapters(app)
        assert [a.platform for a in adapters] == ["discord"]
        assert isinstance(adapters[0], DiscordAdapter)
        assert adapters[0].options.token == "secret"
    finally:
        await app.stop()
