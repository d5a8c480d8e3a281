"""A restart loses nothing: a half-finished registration continues, a planned job still runs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import time_machine

from bot.app import Werkbot
from bot.core.delivery import Outbound
from bot.core.types import Chat, Reply
from config import Settings
from storage.types import utcnow
from tests.support.chat import RecordingChat, code_in, text_of


async def test_registration_continues_after_a_restart(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    first = Werkbot(settings)
    await first.start()
    chat = RecordingChat(first.router)
    await chat.say("alice", "/registreer")
    await chat.say("alice", "Alice Janssen")
    await chat.say("alice", "alice@example.org")
    await chat.press("alice", 3)  # combinatie
    buttons_before = list(chat.latest_buttons["alice"])
    await first.stop()

    second = Werkbot(settings)
    await second.start()
    try:
        chat = RecordingChat(second.router)
        resumed = text_of(await chat.say("alice", "/start"))
        assert "stap 4 van 6" in resumed and "provincie" in resumed
        # A button from before the restart still answers the open question.
        chat.latest_buttons["alice"] = buttons_before
        consent = text_of(await chat.press("alice", 12))  # Limburg
        assert "Alice Janssen" in consent and "alice@example.org" in consent
        assert "een combinatie" in consent and "Limburg" in consent
        replies = await chat.press("alice", 1)
        await chat.say("alice", code_in(text_of(replies)))
        profile = text_of(await chat.say("alice", "/profiel"))
        assert "Limburg" in profile and "✓" in profile
    finally:
        await second.stop()


async def test_a_job_planned_before_a_restart_runs_after_it(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    first = Werkbot(settings)
    seen: list[dict[str, Any]] = []

    async def remind(payload: dict[str, Any]) -> list[Outbound]:
        seen.append(payload)
        return [Outbound(render=lambda: Reply(f"herinnering {payload['n']}"),
                         chat=Chat("console", "alice"))]

    first.registry.job("test.reminder", remind)
    await first.start()
    due = utcnow() + timedelta(hours=2)
    await first.clock.plan("reminder-1", due, "test.reminder", {"n": 1})
    await first.clock.plan("reminder-2", due + timedelta(days=1), "test.reminder", {"n": 2})
    assert first.clock.when("reminder-1") == due
    await first.stop()
    assert seen == []

    # Werkbot comes back three hours later: the first job is overdue and runs at once.
    with time_machine.travel(due + timedelta(hours=1), tick=True):
        second = Werkbot(settings)
        second.registry.job("test.reminder", remind)
        chat = RecordingChat(second.router)
        second.delivery.attach(chat)
        await second.start()
        try:
            for _ in range(200):
                if seen:
                    break
                await asyncio.sleep(0.01)
            assert seen == [{"n": 1}]
            assert [r.text for _c, r in chat.delivered] == ["herinnering 1"]
            assert second.clock.when("reminder-1") is None
            assert second.clock.when("reminder-2") is not None
        finally:
            await second.stop()


async def test_housekeeping_removes_abandoned_conversations_and_plans_itself(
    make_settings: Callable[..., Settings],
) -> None:
    app = Werkbot(make_settings())
    await app.start()
    try:
        chat = RecordingChat(app.router)
        await chat.say("alice", "/registreer")
        await chat.say("alice", "Alice Verlaten")
        assert app.clock.when("core-housekeeping") is not None
        with time_machine.travel(utcnow() + timedelta(hours=25), tick=False):
            await app.core.housekeeping.run({})
            planned = app.clock.when("core-housekeeping")
            assert planned is not None and planned > utcnow() + timedelta(hours=23)
        # The abandoned answers are gone from the database, not just hidden.
        async with app.db.engine.connect() as connection:
            rows = (await connection.exec_driver_sql("SELECT count(*) FROM conversation_states")).scalar()
        assert rows == 0
    finally:
        await app.stop()
