"""``werkbot run --role worker``: runs the outbox and sends through Telegram, but takes no
updates (no polling, no webhook, no command menu): another process receives. And the
Discord client of a process gets its shards from DISCORD_SHARD_IDS/DISCORD_SHARD_COUNT."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord.adapter import DiscordAdapter, WerkbotClient
from bot.core.types import Chat, Reply
from bot.platforms import discord_options
from config import Settings
from tests.broadcasts.test_two_processes import FIRST_USER, TEXT, prepare
from tests.discord.conftest import fake, werkbot_on_discord  # noqa: F401  (fixtures)
from tests.discord.fake import FakeDiscord
from tests.support.process import run_environment, start_werkbot
from tests.support.waiting import wait_until
from tests.telegram.conftest import api  # noqa: F401  (a fixture)
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

MEMBERS = 5


async def test_a_worker_sends_the_outbox_and_receives_nothing(
    api: FakeBotApi,  # noqa: F811
    postgresql_url: str, make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    await prepare(make_settings(database_url=postgresql_url), members=MEMBERS)
    env = run_environment(tmp_path, DATABASE_URL=postgresql_url, TELEGRAM_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=api.base_url)
    worker = await start_werkbot(env, tmp_path, "--role", "worker")
    try:
        def sent() -> set[str]:
            return {call.chat_id or "" for call in api.calls if call.method == "sendMessage" and call.ok and TEXT in call.text}

        await wait_until(lambda: len(sent()) == MEMBERS, 60, "every member reached by the worker")
        assert sent() == {str(FIRST_USER + n) for n in range(MEMBERS)}
        methods = {call.method for call in api.calls}
        assert "getMe" in methods  # the token is checked
        assert not methods & {"getUpdates", "setWebhook", "deleteWebhook", "setMyCommands"}, methods
    finally:
        worker.send_signal(signal.SIGTERM)
        code = await worker.wait()
        assert worker.stderr is not None
        errors = (await worker.stderr.read()).decode()
    assert code == 0, errors
    assert " ERROR " not in errors and "Traceback" not in errors


def test_a_process_runs_the_discord_shards_it_is_given(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(discord_token="x" * 59, discord_shard_ids="1,3", discord_shard_count=4)
    options = discord_options(settings)
    assert (options.shard_ids, options.shard_count) == ((1, 3), 4)
    client = WerkbotClient(DiscordAdapter(lambda event: None, None, options), options)  # type: ignore[arg-type]
    assert (client.shard_ids, client.shard_count) == ([1, 3], 4)
    with pytest.raises(Exception, match="DISCORD_SHARD_COUNT"):
        make_settings(discord_token="x" * 59, discord_shard_ids="0")
    with pytest.raises(Exception, match="below DISCORD_SHARD_COUNT"):
        make_settings(discord_token="x" * 59, discord_shard_ids="0,2", discord_shard_count=2)


async def test_a_discord_worker_sends_by_rest_without_the_gateway(
    fake: FakeDiscord,  # noqa: F811
    werkbot_on_discord: Any,  # noqa: F811
) -> None:
    async with werkbot_on_discord(receive=False) as (_app, adapter):
        assert adapter.connected
        sent = await adapter.send(Chat("discord", "4242", is_private=True), Reply("Het Magazine van de Vernieuwing is uit"))
        assert sent is not None
        assert fake.dm_texts(4242) == ["Het Magazine van de Vernieuwing is uit"]
        assert fake.connections == 0  # no gateway: no events reach a worker
