from __future__ import annotations

from tests.support.chat import RecordingChat, text_of


async def test_start_offers_registration(chat: RecordingChat) -> None:
    replies = await chat.say("alice", "/start")
    assert "Werkbot" in replies[0].text
    assert [b.action for b in replies[0].all_buttons] == ["mb:register", "mb:help"]


async def test_unknown_command(chat: RecordingChat) -> None:
    assert "/onzin" in text_of(await chat.say("alice", "/onzin"))
