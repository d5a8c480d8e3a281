"""The outbox engine: throughput, keeping Telegram's limit, a crash halfway, and replies
to members while a big broadcast runs.

Every run starts from an empty SQLite database with members on Telegram who chose the
topic, the real Telegram adapter (python-telegram-bot) and the fake Bot API server on
127.0.0.1 in the same process (its work is on the same core and counts in the CPU time).

* **Throughput**: 100,000 recipients, Telegram's limits lifted in the adapter: messages/s
  and CPU time per message.
* **Keeping the limit**: 3,000 recipients with Telegram's real limits (about 30 messages a
  second overall): the sustained rate as a fraction of that limit (target ≥ 95%).
* **Crash**: a real ``werkbot run`` process sends to 2,000 recipients (limits lifted) and is
  killed with SIGKILL halfway, then started again: recipients lost (target 0) and second
  copies (target: no more than the messages in flight, ``Limits.workers``).
* **Replies during a broadcast**: members send ``/hulp`` while a 10,000-recipient broadcast
  runs within Telegram's real limits: the p99 from the update to the reply (target
  ≤ 200 ms).

``python -m bench.broadcasts`` (about twenty minutes on two cores; ``--runs``, ``--only``).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import text

import cogs.broadcasts
from bench.surveys import add_members, percentile
from bot.adapters.telegram import Limits, TelegramAdapter
from bot.app import Werkbot
from bot.core.errors import UserError
from bot.core.outbox import Broadcast
from bot.platforms import telegram_options
from config import Settings, load_settings
from storage.types import utcnow
from storage.vocabulary import Topic
from tests.support.process import run_environment, start_werkbot
from tests.support.waiting import wait_until
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi, private_chat, user

FIRST_USER = 60_000_000
TEXT = "Het Magazine van de Vernieuwing #7 is uit: lees het op dewerkvereniging.nl"
LIFTED = Limits(
    overall_rate=10**6, private_burst=10**6, group_rate=10**6, backoff_base=0.05, backoff_max=0.2
)
REAL = Limits()
TELEGRAM_LIMIT = REAL.overall_rate / REAL.overall_period


def settings_for(folder: Path, api: FakeBotApi, **extra: Any) -> Settings:
    return load_settings(
        database_url=f"sqlite+aiosqlite:///{folder / 'broadcast.db'}",
        data_dir=folder,
        telegram_token=TOKEN,
        telegram_api_base_url=api.base_url,
        telegram_poll_timeout=5,
        rate_limit_burst=10**6,
        rate_limit_per_minute=10**7,
        **extra,
    )


async def add_recipients(app: Werkbot, count: int) -> list[int]:
    """Verified members with a Telegram account and the topic on (inserted in bulk)."""
    member_ids = await add_members(app.db, count)
    now = utcnow().isoformat(sep=" ")
    async with app.db.engine.begin() as conn:
        await conn.execute(
            text(
                "insert into identities (platform, user_id, member_id, linked_at) "
                "values ('telegram', :u, :m, :now)"
            ),
            [{"u": str(FIRST_USER + m), "m": m, "now": now} for m in member_ids],
        )
        await conn.execute(
            text("insert into topic_subscriptions (member_id, topic, since) values (:m, :t, :now)"),
            [{"m": m, "t": Topic.MAGAZINE.value, "now": now} for m in member_ids],
        )
    return member_ids


def magazine(members: list[int]) -> Broadcast:
    return Broadcast(
        title="Magazine",
        template="broadcasts.announcement",
        params={"text": TEXT},
        topic=Topic.MAGAZINE,
        members=members,
    )


def sent_to(api: FakeBotApi) -> Counter[str]:
    return Counter(
        call.chat_id or ""
        for call in api.calls
        if call.method == "sendMessage" and call.ok and TEXT in call.text
    )


async def in_process(
    folder: Path, api: FakeBotApi, telegram: Limits, engine: cogs.broadcasts.Limits
) -> tuple[Werkbot, TelegramAdapter]:
    settings = settings_for(folder, api)
    app = Werkbot(settings)
    # The engine with the limits of this run (the module is rebuilt the way build() does).
    app.broadcasts.engine.limits = engine
    await app.start()
    options = replace(
        telegram_options(settings, app.roles.privileged_on("telegram")), limits=telegram
    )
    adapter = TelegramAdapter(app.router.handle, app.registry, options)
    app.delivery.attach(adapter)
    await adapter.start()
    return app, adapter


async def wait_done(app: Werkbot, broadcast_id: int, api: FakeBotApi, total: int) -> None:
    while True:
        record = await app.broadcasts.service.get(broadcast_id)
        if record.status == "done":
            return
        await asyncio.sleep(0.05)


# -- the runs ---------------------------------------------------------------------------------


async def throughput(recipients: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as name:
        api = FakeBotApi()
        await api.start()
        engine = cogs.broadcasts.Limits(in_flight={"telegram": 64}, workers=128, batch_size=1000)
        app, adapter = await in_process(Path(name), api, LIFTED, engine)
        try:
            members = await add_recipients(app, recipients)
            cpu, wall = time.process_time(), time.perf_counter()
            broadcast_id = await app.broadcasts.service.broadcast(magazine(members))
            await wait_done(app, broadcast_id, api, recipients)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            reached = len(sent_to(api))
            assert reached == recipients, (reached, recipients)
            return {"rate": recipients / wall, "cpu_ms": 1000 * cpu / recipients, "seconds": wall}
        finally:
            await app.stop_sending()
            await adapter.stop()
            await app.stop()
            await api.stop()


async def within_limit(recipients: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as name:
        api = FakeBotApi()
        await api.start()
        app, adapter = await in_process(Path(name), api, REAL, cogs.broadcasts.Limits())
        try:
            members = await add_recipients(app, recipients)
            broadcast_id = await app.broadcasts.service.broadcast(magazine(members))
            await wait_done(app, broadcast_id, api, recipients)
            times = sorted(
                call.at
                for call in api.calls
                if call.method == "sendMessage" and call.ok and TEXT in call.text
            )
            # The middle 80%: no start-up, no tail.
            low, high = times[len(times) // 10], times[(9 * len(times)) // 10]
            sustained = (0.8 * len(times)) / (high - low)
            # The most messages in any one second (a window starting at each message).
            peak = max(bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times))
            return {"rate": sustained, "fraction": sustained / TELEGRAM_LIMIT, "peak_1s": peak}
        finally:
            await app.stop_sending()
            await adapter.stop()
            await app.stop()
            await api.stop()


async def crash(recipients: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        api = FakeBotApi()
        await api.start()
        try:
            settings = settings_for(folder, api)
            app = Werkbot(settings)
            await app.start()
            await app.broadcasts.engine.stop()
            members = await add_recipients(app, recipients)
            await app.broadcasts.service.broadcast(magazine(members))
            await app.stop()
            env = run_environment(
                folder,
                DATABASE_URL=settings.database_url,
                DATA_DIR=str(folder),
                TELEGRAM_TOKEN=TOKEN,
                TELEGRAM_API_BASE_URL=api.base_url,
                TELEGRAM_POLL_TIMEOUT="1",
                BROADCAST_LEASE_SECONDS="2",
                LOG_LEVEL="WARNING",
            )
            first = await start_werkbot(env, folder)
            await wait_until(lambda: len(sent_to(api)) >= recipients // 2, 600, "half sent")
            first.send_signal(signal.SIGKILL)
            await first.wait()
            at_kill = sum(sent_to(api).values())
            second = await start_werkbot(env, folder)
            try:
                await wait_until(lambda: len(sent_to(api)) >= recipients, 600, "all sent")
                second.send_signal(signal.SIGTERM)
                await asyncio.wait_for(second.wait(), 30)
            finally:
                if second.returncode is None:
                    second.kill()
            received = sent_to(api)
            return {
                "lost": recipients - len(received),
                "duplicates": sum(received.values()) - len(received),
                "sent_at_kill": at_kill,
            }
        finally:
            await api.stop()


async def replies_during(recipients: int, asks: int, seconds: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as name:
        api = FakeBotApi()
        await api.start()
        app, adapter = await in_process(Path(name), api, REAL, cogs.broadcasts.Limits())
        try:
            members = await add_recipients(app, recipients)
            broadcast_id = await app.broadcasts.service.broadcast(magazine(members))
            await wait_until(lambda: len(sent_to(api)) >= 50, 60, "the broadcast under way")
            rng = random.Random(11)
            latencies: list[float] = []
            seen = 0

            async def ask(n: int) -> None:
                nonlocal seen
                who = user(90_000_000 + n, f"Vrager {n}", "nl")
                chat_id = str(who["id"])
                mark = len(api.calls)
                started = time.perf_counter()
                api.message(who, "/hulp", private_chat(who))
                while True:
                    if any(
                        call.method == "sendMessage" and call.chat_id == chat_id
                        for call in api.calls[mark:]
                    ):
                        latencies.append(time.perf_counter() - started)
                        return
                    await asyncio.sleep(0.002)

            tasks = []
            for n in range(asks):
                await asyncio.sleep(rng.expovariate(asks / seconds))
                tasks.append(asyncio.create_task(ask(n)))
            await asyncio.gather(*tasks)
            during = len(sent_to(api))
            with contextlib.suppress(UserError):  # done already (a small run)
                await app.broadcasts.service.stop(broadcast_id)
            return {
                "p50_ms": 1000 * percentile(latencies, 0.5),
                "p99_ms": 1000 * percentile(latencies, 0.99),
                "max_ms": 1000 * max(latencies),
                "broadcast_sent": during,
            }
        finally:
            await app.stop_sending()
            await adapter.stop()
            await app.stop()
            await api.stop()


def median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


async def bench(runs: int, only: str | None) -> None:
    print(f"Outbox engine, SQLite, the real Telegram adapter, {runs} runs each (median)")
    if only in (None, "throughput"):
        found = [await throughput(100_000) for _ in range(runs)]
        for n, run in enumerate(found, 1):
            print(
                f"  throughput run {n}: {run['rate']:,.0f} messages/s, "
                f"{run['cpu_ms']:.2f} ms CPU per message ({run['seconds']:.0f} s)"
            )
        print(
            f"Throughput, 100,000 recipients, limits lifted: median {median(found, 'rate'):,.0f} "
            f"messages/s, {median(found, 'cpu_ms'):.2f} ms CPU per message"
        )
    if only in (None, "limit"):
        found = [await within_limit(3_000) for _ in range(runs)]
        for n, run in enumerate(found, 1):
            print(
                f"  limit run {n}: {run['rate']:.1f} messages/s sustained = "
                f"{100 * run['fraction']:.1f}% of {TELEGRAM_LIMIT:.0f}/s; busiest second "
                f"{run['peak_1s']:.0f}"
            )
        print(
            f"Within Telegram's limit, 3,000 recipients: median {median(found, 'rate'):.1f} "
            f"messages/s = {100 * median(found, 'fraction'):.1f}% of the limit (target >= 95%)"
        )
    if only in (None, "crash"):
        found = [await crash(2_000) for _ in range(runs)]
        for n, run in enumerate(found, 1):
            print(
                f"  crash run {n}: killed after {run['sent_at_kill']:.0f} sent; lost "
                f"{run['lost']:.0f}, second copies {run['duplicates']:.0f}"
            )
        print(
            f"Killed halfway (2,000 recipients): lost {max(r['lost'] for r in found):.0f} "
            f"(target 0), second copies at most {max(r['duplicates'] for r in found):.0f} "
            f"(target <= {cogs.broadcasts.Limits().workers} in flight)"
        )
    if only in (None, "replies"):
        found = [await replies_during(10_000, 200, 20.0) for _ in range(runs)]
        for n, run in enumerate(found, 1):
            print(
                f"  replies run {n}: /hulp p50 {run['p50_ms']:.0f} ms, p99 {run['p99_ms']:.0f} "
                f"ms, max {run['max_ms']:.0f} ms; {run['broadcast_sent']:.0f} broadcast "
                "messages sent meanwhile"
            )
        print(
            f"/hulp while a 10,000-recipient broadcast runs: median p99 "
            f"{median(found, 'p99_ms'):.0f} ms (target <= 200 ms)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.broadcasts")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=("throughput", "limit", "crash", "replies"))
    args = parser.parse_args(argv)
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    asyncio.run(bench(args.runs, args.only))
    return 0


if __name__ == "__main__":
    sys.exit(main())
