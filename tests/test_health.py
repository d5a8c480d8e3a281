"""``/healthz`` and ``/metrics`` of a running Werkbot, asked over HTTP as a load balancer and
Prometheus ask: a real server on 127.0.0.1, a real database (and one that is gone), the
real Telegram adapter against the fake Bot API."""

from __future__ import annotations

import dataclasses
import math
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.adapters.discord import DiscordAdapter, DiscordOptions
from bot.adapters.telegram import Limits, TelegramAdapter, TelegramOptions
from bot.app import Werkbot
from bot.core.delivery import Outbound
from bot.core.metrics import REGISTRY
from bot.core.types import Chat, Reply
from bot.health import HealthChecks, HealthServer, checks_for, database_check
from storage import Database
from storage.records.outbox import NewBroadcast
from storage.repositories.outbox import OutboxRepository
from tests.discord.fake import CHANNEL_ID, FakeDiscord
from tests.support.chat import RecordingChat
from tests.support.outbox import sent
from tests.support.waiting import wait_until
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi, user

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

ALICE = user(42, "Alice", "en")
FAST = Limits(private_burst=1000, group_rate=1000, backoff_base=0.05, backoff_max=0.2)


@dataclass
class Probe:
    """What a load balancer and Prometheus see of one process."""

    url: str

    async def healthz(self) -> tuple[int, dict[str, Any]]:
        async with aiohttp.ClientSession() as session, session.get(f"{self.url}/healthz") as answer:
            return answer.status, await answer.json()

    async def metrics(self) -> str:
        async with aiohttp.ClientSession() as session, session.get(f"{self.url}/metrics") as answer:
            assert answer.status == 200
            assert answer.headers["Content-Type"].startswith("text/plain; version=")
            return await answer.text()


Serve = Callable[[HealthChecks], Awaitable[Probe]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    servers: list[HealthServer] = []

    async def start(checks: HealthChecks) -> Probe:
        server = HealthServer("127.0.0.1", 0, checks)  # 0: a free port, chosen when bound
        await server.start()
        servers.append(server)
        return Probe(f"http://127.0.0.1:{server.port}")

    yield start
    for server in servers:
        await server.stop()


def value(text: str, name: str, **labels: str) -> float | None:
    """One sample of the Prometheus text; None when the process has not reported it."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return None


def count(text: str, name: str, **labels: str) -> float:
    """A labelled counter appears once something was counted under those labels."""
    return value(text, name, **labels) or 0.0


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def telegram(app: Werkbot, api: FakeBotApi) -> AsyncIterator[TelegramAdapter]:
    """The real Telegram adapter of ``app``, built but not started."""
    options = TelegramOptions(token=TOKEN, base_url=api.base_url, poll_timeout=5, limits=FAST)
    adapter = TelegramAdapter(app.router.handle, app.registry, options)
    app.delivery.attach(adapter)
    try:
        yield adapter
    finally:
        await app.stop_sending()
        await adapter.stop()


@pytest.fixture
async def discord(app: Werkbot) -> AsyncIterator[tuple[DiscordAdapter, FakeDiscord]]:
    """The real Discord adapter of ``app`` and the fake Discord it talks to; not started."""
    fake = FakeDiscord()
    await fake.start()
    options = DiscordOptions(
        token=fake.token,
        data_dir=app.settings.data_dir,
        api_base_url=fake.api_base,
        gateway_url=fake.gateway_url,
        guild_ready_timeout=0.05,
        ready_timeout=10.0,
    )
    adapter = DiscordAdapter(app.router.handle, app.registry, options)
    app.delivery.attach(adapter)
    try:
        yield adapter, fake
    finally:
        await app.stop_sending()
        await adapter.stop()
        await fake.stop()


async def test_healthz_reports_the_database_the_platforms_and_the_role(
    app: Werkbot, serve: Serve
) -> None:
    probe = await serve(checks_for(app, []))
    status, body = await probe.healthz()
    assert status == 200
    # One process on SQLite runs the planned jobs itself (no leader election).
    assert body == {
        "status": "ok",
        "database": True,
        "platforms": {},
        "role": "single",
        "pid": os.getpid(),
    }


async def test_an_unreachable_database_is_degraded_and_metrics_still_answer(
    app: Werkbot, serve: Serve, tmp_path: Path
) -> None:
    gone = Database(f"sqlite+aiosqlite:///{tmp_path / 'gone' / 'werkbot.db'}")
    shutil.rmtree(tmp_path / "gone")  # SQLite cannot open a file in a folder that is gone
    try:
        checks = dataclasses.replace(
            checks_for(app, []),
            database=database_check(gone),
            outbox_pending=OutboxRepository(gone).pending_count,
        )
        probe = await serve(checks)
        status, body = await probe.healthz()
        assert status == 503
        assert body["status"] == "degraded"
        assert body["database"] is False
        # The counters are worth having in an outage; the backlog is unknown, not 0.
        pending = value(await probe.metrics(), "werkbot_outbox_pending")
        assert pending is not None and math.isnan(pending)
    finally:
        await gone.dispose()


async def test_a_platform_is_healthy_only_while_connected(
    app: Werkbot, telegram: TelegramAdapter, serve: Serve
) -> None:
    probe = await serve(checks_for(app, [telegram]))
    status, body = await probe.healthz()
    assert (status, body["status"], body["platforms"]) == (503, "degraded", {"telegram": False})
    assert body["database"] is True

    await telegram.start()
    status, body = await probe.healthz()
    assert (status, body["status"], body["platforms"]) == (200, "ok", {"telegram": True})

    await telegram.stop()
    status, body = await probe.healthz()
    assert (status, body["platforms"]) == (503, {"telegram": False})


async def test_telegram_updates_replies_and_429s_are_counted(
    app: Werkbot, telegram: TelegramAdapter, api: FakeBotApi, serve: Serve
) -> None:
    probe = await serve(checks_for(app, [telegram]))
    await telegram.start()
    before = await probe.metrics()

    def replies() -> float:
        return (
            REGISTRY.get_sample_value("werkbot_replies_sent_total", {"platform": "telegram"}) or 0
        )

    counted = replies()
    api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    api.message(ALICE, "/start")
    await api.reply(42)
    await wait_until(lambda: replies() > counted, 5, "the reply to be counted")

    after = await probe.metrics()
    for name in (
        "werkbot_updates_handled_total",
        "werkbot_answer_seconds_count",
        "werkbot_platform_rate_limited_total",
    ):
        assert (
            count(after, name, platform="telegram") == count(before, name, platform="telegram") + 1
        )
    assert count(after, "werkbot_replies_sent_total", platform="telegram") >= count(
        before, "werkbot_replies_sent_total", platform="telegram"
    ) + len(api.sent(42))


async def test_metrics_count_updates_answers_and_job_runs(
    app: Werkbot, chat: RecordingChat, serve: Serve
) -> None:
    probe = await serve(checks_for(app, []))
    before = await probe.metrics()

    assert await chat.say("anna", "/start")
    await app.jobs.run("core-housekeeping", "core.housekeeping", {})
    with pytest.raises(KeyError):  # a reminder job whose payload names no event
        await app.jobs.run("broken", "events.remind", {})

    after = await probe.metrics()
    for name, labels in (
        ("werkbot_updates_handled_total", {"platform": "console"}),
        ("werkbot_answer_seconds_count", {"platform": "console"}),
        ("werkbot_job_runs_total", {"kind": "core.housekeeping", "outcome": "ok"}),
        ("werkbot_job_runs_total", {"kind": "events.remind", "outcome": "error"}),
    ):
        assert count(after, name, **labels) == count(before, name, **labels) + 1, name
    assert count(after, "werkbot_answer_seconds_sum", platform="console") > count(
        before, "werkbot_answer_seconds_sum", platform="console"
    )


async def test_outbox_pending_is_counted_at_each_scrape(
    app: Werkbot, chat: RecordingChat, serve: Serve
) -> None:
    probe = await serve(checks_for(app, []))
    assert value(await probe.metrics(), "werkbot_outbox_pending") == 0

    await app.stop_sending()  # the broadcast waits until the outbox runs again
    await OutboxRepository(app.db).create(
        NewBroadcast(
            title="Ledenvergadering",
            template="broadcasts.announcement",
            params={"text": "Ledenvergadering op dinsdag"},
            topic=None,
            created_by="console:olga",
            chats=(("console", "room"), ("console", "hall")),
        )
    )
    assert value(await probe.metrics(), "werkbot_outbox_pending") == 2

    app.broadcasts.engine.start()
    await sent(app)
    assert value(await probe.metrics(), "werkbot_outbox_pending") == 0
    assert {delivered.chat_id for delivered, _reply in chat.delivered} == {"room", "hall"}


async def test_discord_connection_sends_and_429s_are_reported(
    app: Werkbot, discord: tuple[DiscordAdapter, FakeDiscord], serve: Serve
) -> None:
    adapter, fake = discord
    probe = await serve(checks_for(app, [adapter]))
    status, body = await probe.healthz()
    assert (status, body["platforms"]) == (503, {"discord": False})

    await adapter.start()
    status, body = await probe.healthz()
    assert (status, body["platforms"]) == (200, {"discord": True})

    before = await probe.metrics()
    fake.fail(
        "POST",
        rf"^/channels/{CHANNEL_ID}/messages$",
        429,
        {"message": "You are being rate limited.", "retry_after": 0.1, "global": False},
        headers={"Via": "1.1 google", "X-RateLimit-Scope": "user"},  # Discord's, not a ban
    )
    assert await app.delivery.deliver(
        Outbound(
            chat=Chat("discord", str(CHANNEL_ID), is_private=False),
            render=lambda: Reply("The Festival is on 11 May!"),
        )
    )
    after = await probe.metrics()
    for name in ("werkbot_platform_rate_limited_total", "werkbot_replies_sent_total"):
        assert count(after, name, platform="discord") == count(before, name, platform="discord") + 1

    await adapter.stop()
    status, body = await probe.healthz()
    assert (status, body["platforms"]) == (503, {"discord": False})
