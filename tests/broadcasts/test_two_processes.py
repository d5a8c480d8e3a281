"""Two real ``werkbot run`` processes on one PostgreSQL send one broadcast together.

Both have the same bot token and talk to one fake Telegram Bot API server in this test
process. Each claims recipients with ``FOR UPDATE SKIP LOCKED`` and takes every send's slot
from the token's shared budget in the database: every member gets exactly one copy, both
processes send, and the sends of both together stay within the budget in every second.
The budget here (50 a second) is above what one process sends (Telegram's 30 a second in
its adapter): without the shared budget the two together reach 60 in a second (measured),
with it 51 at most (the slot at the window's edge).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from bot.app import Werkbot
from bot.core.outbox import Broadcast
from config import Settings
from storage.db import Database
from storage.models.members import Identity, Member
from storage.models.notifications import TopicSubscription
from storage.records.outbox import RecipientState
from storage.repositories.outbox import OutboxRepository
from storage.types import table_of, utcnow
from storage.vocabulary import Topic
from tests.broadcasts.test_send_budget import busiest_second
from tests.support.process import LoggedProcess, run_environment, start_werkbot
from tests.support.waiting import wait_until
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

MEMBERS = 1_000
FIRST_USER = 8_000_000
PER_SECOND = 50  # the shared budget: 20 s for everyone
TEXT = "De Dag van de Modern Werkenden: kom je ook?"
SENT_LOG = re.compile(r"the outbox stopped; this process sent (\d+) messages")


async def prepare(settings: Settings, members: int = MEMBERS) -> None:
    """Members on Telegram who chose the magazine (inserted in bulk), and the broadcast
    stored; this process sends nothing (no adapter, the outbox not started)."""
    app = Werkbot(settings)
    await app.start(background=False)
    try:
        now = utcnow()
        async with app.db.engine.begin() as conn:
            result = await conn.execute(
                insert(table_of(Member)).returning(table_of(Member).c.id),
                [
                    {
                        "kind": "deelnemer",
                        "name": f"Lid {n}",
                        "email": f"lid{n}@example.org",
                        "email_verified_at": now,
                        "work_situation": "zzp",
                        "province": "utrecht",
                        "language": "nl",
                        "consent_at": now,
                        "created_at": now,
                    }
                    for n in range(members)
                ],
            )
            ids = [int(member_id) for member_id in result.scalars()]
            await conn.execute(
                insert(table_of(Identity)),
                [
                    {
                        "platform": "telegram",
                        "user_id": str(FIRST_USER + n),
                        "member_id": member_id,
                        "language": "nl",
                        "linked_at": now,
                    }
                    for n, member_id in enumerate(ids)
                ],
            )
            await conn.execute(
                insert(table_of(TopicSubscription)),
                [{"member_id": i, "topic": Topic.MAGAZINE.value, "since": now} for i in ids],
            )
        await app.broadcasts.service.broadcast(
            Broadcast(
                title="Festival",
                template="broadcasts.announcement",
                params={"text": TEXT},
                topic=Topic.MAGAZINE,
                members=ids,
            )
        )
    finally:
        await app.stop()


def sends(api: FakeBotApi) -> list[Any]:
    return [
        call
        for call in api.calls
        if call.method == "sendMessage" and call.ok and TEXT in call.text
    ]


class Running(LoggedProcess):
    """A ``werkbot run`` that sends; its log says how many it sent."""

    def sent(self) -> int:
        counts = [int(m.group(1)) for line in self.lines if (m := SENT_LOG.search(line))]
        assert counts, "no count of sent messages in the log:\n" + "\n".join(self.lines[-20:])
        return sum(counts)


@pytest.fixture
async def running() -> AsyncIterator[list[Running]]:
    started: list[Running] = []
    yield started
    for process in started:
        await process.stop()


async def test_two_processes_send_each_member_one_copy_within_the_shared_budget(
    api: FakeBotApi,
    make_settings: Callable[..., Settings],
    postgresql_url: str,
    tmp_path: Path,
    running: list[Running],
) -> None:
    settings = make_settings(database_url=postgresql_url)
    await prepare(settings)
    env = run_environment(
        tmp_path,
        DATABASE_URL=postgresql_url,
        DATA_DIR=str(settings.data_dir),
        TELEGRAM_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api.base_url,
        TELEGRAM_POLL_TIMEOUT="1",
        TELEGRAM_BROADCAST_PER_SECOND=str(PER_SECOND),
    )
    started = time.monotonic()
    running.append(Running(await start_werkbot(env, tmp_path)))
    await wait_until(lambda: sends(api), 30, "the first process sending")  # then the other
    running.append(Running(await start_werkbot(env, tmp_path)))
    # Looked at twice a second: the fake server shares this process, and its clock
    # stamps the arrivals that are measured below.
    while len({call.chat_id for call in sends(api)}) < MEMBERS:
        assert time.monotonic() - started < 60, f"{len(sends(api))} of {MEMBERS} sent in 60 s"
        await asyncio.sleep(0.5)
    took = time.monotonic() - started
    await asyncio.gather(*(process.stop() for process in running))

    received = Counter(call.chat_id for call in sends(api))
    assert set(received) == {str(FIRST_USER + n) for n in range(MEMBERS)}
    assert max(received.values()) == 1, received.most_common(3)  # nobody got two
    first, second = (process.sent() for process in running)  # each process's own count
    assert first + second == MEMBERS and first > 0 and second > 0, (first, second)
    db = Database(postgresql_url)
    try:
        counts = await OutboxRepository(db).counts(1)
    finally:
        await db.dispose()
    assert counts.state(RecipientState.SENT) == MEMBERS and counts.open == 0
    for process in running:
        assert process.process.returncode == 0, "\n".join(process.lines[-20:])
        errors = process.errors()
        assert not errors, errors

    moments = [call.at for call in sends(api)]
    busiest = busiest_second(moments)
    rate = (len(moments) - 1) / (max(moments) - min(moments))  # the mean
    print(
        f"\n{MEMBERS} sent in {took:.1f} s; first process {first}, second {second}; "
        f"busiest second {busiest} (budget {PER_SECOND}); mean {rate:.1f}/s"
    )
    # Every window of one second: the budget, plus the slot at its very edge and a
    # request that arrived a little late.
    assert busiest <= PER_SECOND + 2, busiest
    assert rate <= PER_SECOND, rate
