"""A broadcast survives ``kill -9``: no recipient is skipped, few get a second copy.

The real ``werkbot run`` process sends a broadcast to members on Telegram (the fake Bot
API server in this test process, Telegram's own rate limits); it is killed halfway,
started again, and finishes. Messages in flight at the kill are sent again once their
lease (2 s here) has run out.
"""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.app import Werkbot
from bot.core.outbox import Broadcast
from config import Settings
from storage.vocabulary import Topic
from tests.support.process import run_environment, start_werkbot
from tests.support.waiting import wait_until
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

MEMBERS = 90
FIRST_USER = 7_000_000
TEXT = "Het Magazine van de Vernieuwing is uit"


async def prepare(settings: Settings) -> None:
    """Members on Telegram with the topic on, and a broadcast stored but not yet sent."""
    app = Werkbot(settings)
    await app.start()
    try:
        await app.broadcasts.engine.stop()
        members = app.members.service
        ids = []
        for n in range(MEMBERS):
            member_id = await members.register(
                "telegram",
                str(FIRST_USER + n),
                name=f"Lid {n}",
                email=f"lid{n}@example.org",
                work_situation="zzp",
                province="utrecht",
                language="nl",
            )
            await members.verify(member_id, await members.send_code(member_id, force=True))
            await app.broadcasts.service.choices.set_topic(member_id, Topic.MAGAZINE, True)
            ids.append(member_id)
        await app.broadcasts.service.broadcast(
            Broadcast(
                title="Magazine",
                template="broadcasts.announcement",
                params={"text": TEXT},
                topic=Topic.MAGAZINE,
                members=ids,
            )
        )
    finally:
        await app.stop()


def copies(api: FakeBotApi) -> Counter[str]:
    return Counter(
        call.chat_id or ""
        for call in api.calls
        if call.method == "sendMessage" and call.ok and TEXT in call.text
    )


async def test_a_broadcast_killed_halfway_resumes_without_skipping_anyone(
    api: FakeBotApi,
    make_settings: Callable[..., Settings],
    tmp_path: Path,
) -> None:
    settings = make_settings()
    await prepare(settings)
    env = run_environment(
        tmp_path,
        DATABASE_URL=settings.database_url,
        DATA_DIR=str(settings.data_dir),
        TELEGRAM_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api.base_url,
        TELEGRAM_POLL_TIMEOUT="1",
        BROADCAST_LEASE_SECONDS="2",
    )
    first = await start_werkbot(env, tmp_path)
    try:
        await wait_until(lambda: len(copies(api)) >= MEMBERS // 3, 60, "a third sent")
        first.send_signal(signal.SIGKILL)
        await first.wait()
    finally:
        if first.returncode is None:
            first.kill()
    at_kill = len(copies(api))
    assert at_kill < MEMBERS, "the kill came too late to test anything"

    second = await start_werkbot(env, tmp_path)
    try:
        await wait_until(lambda: len(copies(api)) == MEMBERS, 60, "every member reached")
        second.send_signal(signal.SIGTERM)
        await asyncio.wait_for(second.wait(), 30)
    finally:
        if second.returncode is None:
            second.kill()
    received = copies(api)
    assert set(received) == {str(FIRST_USER + n) for n in range(MEMBERS)}  # nobody skipped
    duplicates = sum(received.values()) - MEMBERS
    # At most what was in flight at the kill: a worker records each message it sent
    # before it takes the next, and there are 8 workers (Limits.workers).
    assert duplicates <= 8, (duplicates, at_kill)
