"""The Jouw Stem answer path through the Telegram adapter against the fake Bot API server.

Every member presses the answer buttons of a 5-question survey; the next press comes
when the bot has answered the previous callback query (as a person would see it). The
figures are answers/s and the latency from the press (pushed to getUpdates) to the bot's
answerCallbackQuery. Beside it, python-telegram-bot's own update-handling rate is
measured in the same run: a bare PTB application against the same fake server with a
handler that does nothing (polling, parsing and dispatch only).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.surveys import CollectorWatch, add_members, percentile
from bot.adapters.telegram import Limits, TelegramAdapter
from bot.app import Werkbot
from bot.platforms import telegram_options
from config import load_settings
from storage.records.surveys import NewQuestion, NewSurvey
from storage.types import utcnow
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi, private_chat, user

QUESTIONS = (
    *tuple(
        NewQuestion(kind="single", text=f"Vraag {n}?", options=("ja", "nee", "soms"))
        for n in range(1, 5)
    ),
    NewQuestion(kind="scale", text="Tevreden?", labels=("niet", "zeer")),
)
FIRST_USER = 50_000_000
# The fake server has no limits to respect: lift Telegram's 30 messages/s so the figure
# shows Werkbot's own cost.
FAST = Limits(
    overall_rate=10**6, private_burst=10**6, group_rate=10**6, backoff_base=0.05, backoff_max=0.2
)


class Presses:
    """Pushes callback queries and notices when the bot answered each of them."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self.waiting: dict[str, tuple[float, asyncio.Future[float]]] = {}
        self._seen = 0

    def press(self, who: dict[str, Any], data: str) -> asyncio.Future[float]:
        message = {
            "message_id": 1,
            "date": int(time.time()),
            "chat": private_chat(who),
            "from": self.api.bot_user,
            "text": "…",
        }
        self.api.messages[(str(who["id"]), 1)] = message
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        query_id = self.api.press(who, message, data)
        self.waiting[query_id] = (time.perf_counter(), future)
        return future

    async def watch(self) -> None:
        while True:
            calls = self.api.calls
            for call in calls[self._seen :]:
                if call.method == "answerCallbackQuery":
                    found = self.waiting.pop(call.params.get("callback_query_id", ""), None)
                    if found is not None and not found[1].done():
                        found[1].set_result(time.perf_counter() - found[0])
            self._seen = len(calls)
            await asyncio.sleep(0.002)


async def survey_run(members: int, folder: Path) -> dict[str, float]:
    api = FakeBotApi()
    await api.start()
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{folder / 'telegram.db'}",
        data_dir=folder,
        telegram_token=TOKEN,
        telegram_api_base_url=api.base_url,
        telegram_poll_timeout=5,
        rate_limit_burst=10**6,
        rate_limit_per_minute=10**7,
    )
    app = Werkbot(settings)
    await app.start()
    adapter: TelegramAdapter | None = None
    try:
        member_ids = await add_members(app.db, members)
        async with app.db.engine.begin() as conn:
            await conn.execute(
                text(
                    "insert into identities (platform, user_id, member_id, linked_at) "
                    "values ('telegram', :u, :m, :now)"
                ),
                [
                    {"u": str(FIRST_USER + m), "m": m, "now": utcnow().isoformat(sep=" ")}
                    for m in member_ids
                ],
            )
        service = app.surveys.service
        created = await service.create(
            NewSurvey("Bench", "", "anonymous", "after_close", {}, None, None, "bench", QUESTIONS)
        )
        survey = (await service.open(created.id)).survey
        adapter = TelegramAdapter(
            app.router.handle,
            app.registry,
            replace(telegram_options(settings, app.roles.privileged_on("telegram")), limits=FAST),
        )
        app.delivery.attach(adapter)
        await adapter.start()
        presses = Presses(api)
        watcher = asyncio.create_task(presses.watch())
        latencies: list[float] = []

        async def member(member_id: int) -> None:
            who = user(FIRST_USER + member_id, f"Lid {member_id}")
            for question in survey.questions:
                data = f"sv:a:{survey.id}:{question.id}:{1 + member_id % 3}"
                latencies.append(await presses.press(who, data))

        started = time.perf_counter()
        with CollectorWatch() as collector:
            await asyncio.gather(*(member(m) for m in member_ids))
        seconds = time.perf_counter() - started
        watcher.cancel()
        responses = await app.surveys.service.answering._repository.response_count(survey.id)
        assert responses == members, (responses, members)
        return {
            "answers": len(latencies),
            "rate": len(latencies) / seconds,
            "p50_ms": 1000 * percentile(latencies, 0.5),
            "p99_ms": 1000 * percentile(latencies, 0.99),
            "seconds": seconds,
            **collector.figures(),
        }
    finally:
        if adapter is not None:
            await adapter.stop()
        await app.stop()
        await api.stop()


async def ptb_run(updates: int) -> float:
    """python-telegram-bot alone: updates/s through its polling and dispatch, no-op handler."""
    from telegram import Update
    from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes

    api = FakeBotApi()
    await api.start()
    done = asyncio.Event()
    handled = 0

    async def answer(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        nonlocal handled
        assert update.callback_query is not None
        handled += 1
        if handled == updates:
            done.set()

    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(api.base_url)
        .concurrent_updates(64)
        .job_queue(None)
        .build()
    )
    application.add_handler(CallbackQueryHandler(answer))
    try:
        async with application:
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(timeout=5)
            message = {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 1, "type": "private"},
                "text": "x",
            }
            started = time.perf_counter()
            for n in range(updates):
                api.press(user(FIRST_USER + n), message, "x")
            await done.wait()
            seconds = time.perf_counter() - started
            await application.updater.stop()
            await application.stop()
    finally:
        await api.stop()
    return updates / seconds


async def bench(members: int, runs: int) -> None:
    print(
        f"Through the Telegram adapter (fake Bot API on 127.0.0.1): {members:,} members x 5 "
        f"button presses, {runs} runs"
    )
    ours, theirs = [], []
    for run in range(1, runs + 1):
        with tempfile.TemporaryDirectory(prefix="werkbot-bench-tg-") as folder:
            figures = await survey_run(members, Path(folder))
        baseline = await ptb_run(members * 5)
        ours.append(figures)
        theirs.append(baseline)
        print(
            f"  run {run}: {figures['rate']:,.0f} answers/s, press-to-answer latency p50 "
            f"{figures['p50_ms']:.0f} ms, p99 {figures['p99_ms']:.0f} ms; garbage collection "
            f"{figures['gc_ms'] / 1000:.1f} s of {figures['seconds']:.0f} s (longest pause "
            f"{figures['gc_max_ms']:.0f} ms); python-telegram-bot alone: {baseline:,.0f} updates/s"
        )
    print(
        f"  median: {statistics.median(r['rate'] for r in ours):,.0f} answers/s, p99 "
        f"{statistics.median(r['p99_ms'] for r in ours):.0f} ms; python-telegram-bot alone "
        f"{statistics.median(theirs):,.0f} updates/s"
    )
