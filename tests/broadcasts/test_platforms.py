"""Broadcasts through the real adapters: python-telegram-bot against the fake Bot API,
discord.py against the fake Discord, e-mail against a local SMTP server.

A 429 halfway pauses every send and the broadcast resumes; a member who blocked the bot is
marked unreachable and e-mail takes over; a member who chose e-mail gets no chat message;
a Discord member and the Discord announcement channel (published to following servers)
get their copy, linked accounts only one.
"""

from __future__ import annotations

from email.message import Message

import pytest

from bot.app import Werkbot
from bot.core.types import Chat
from storage.records.outbox import RecipientState
from storage.vocabulary import Channel, Topic
from tests.discord.conftest import Runner
from tests.discord.fake import NEWS_CHANNEL_ID, FakeDiscord
from tests.support.outbox import announcement, sent
from tests.support.smtp import LocalSmtp
from tests.surveys.conftest import make_member
from tests.telegram.conftest import StartBot
from tests.telegram.fake_bot_api import FakeBotApi

# The warning is PTB's own, about the type of RetryAfter.retry_after in a future version.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

TEXT = "*Festival* op 11 mei: _kom ook_!"


async def announce(app: Werkbot, members: list[int], **extra: object) -> int:
    for member in members:
        await app.broadcasts.service.choices.set_topic(member, Topic.NIEUWS, True)
    return await app.broadcasts.service.broadcast(
        announcement(TEXT, Topic.NIEUWS, members, **extra)
    )


def festival(api: FakeBotApi, user: str) -> list[str]:
    """What ``user`` was shown of the announcement (Telegram parses the HTML we send)."""
    return [call.shown for call in api.sent(user) if "Festival op 11 mei" in call.shown]


def mails_to(smtp: LocalSmtp, address: str) -> list[Message]:
    return [mail for mail in smtp.inbox.messages if address in str(mail["To"])]


def body_of(mail: Message) -> str:
    part = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode()  # type: ignore[union-attr]


async def test_a_429_halfway_pauses_all_sending_and_the_broadcast_resumes(
    start_bot: StartBot, api: FakeBotApi
) -> None:
    bot = await start_bot()
    users = [str(5000 + n) for n in range(12)]
    members = [await make_member(bot.app, user, platform="telegram") for user in users]
    api.fail(
        "sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, chat_id=users[6]
    )
    broadcast_id = await announce(bot.app, members)
    await sent(bot.app, within=20)

    for user in users:  # everyone exactly once, the refused one on the second try
        assert len(festival(api, user)) == 1, user
    refused = api.attempts("sendMessage", users[6])
    assert [call.status for call in refused] == [429, 200]
    # Nothing reached Telegram while the pause lasted, then sending went on.
    pause_start = refused[0].at
    during = [
        call
        for call in api.calls
        if call.method == "sendMessage" and pause_start + 0.1 < call.at < pause_start + 0.95
    ]
    assert during == []
    assert refused[1].at >= pause_start + 1.0
    counts = await bot.app.broadcasts.service.counts(broadcast_id)
    assert counts.state(RecipientState.SENT) == 12 and counts.open == 0


async def test_a_member_who_blocked_the_bot_gets_it_by_email(
    start_bot: StartBot, api: FakeBotApi, smtp: LocalSmtp
) -> None:
    bot = await start_bot(**smtp.settings())
    app = bot.app
    blocked = await make_member(app, "6001", platform="telegram")
    by_mail = await make_member(app, "6002", platform="telegram")
    in_chat = await make_member(app, "6003", platform="telegram")
    await app.broadcasts.service.choices.set_channel(by_mail, Channel.EMAIL)
    api.blocked.add("6001")

    first = await announce(app, [blocked, by_mail, in_chat])
    await sent(app)
    assert [call.status for call in api.attempts("sendMessage", "6001")] == [403]
    assert api.attempts("sendMessage", "6002") == []  # e-mail was their choice
    assert len(festival(api, "6003")) == 1
    assert not [m for m in mails_to(smtp, "6003@example.org") if "Festival" in str(m["Subject"])]
    for address in ("6001@example.org", "6002@example.org"):
        (mail,) = [m for m in mails_to(smtp, address) if "Festival" in str(m["Subject"])]
        body = body_of(mail)
        assert "Festival op 11 mei: kom ook!" in body and "/meldingen" in body
        assert mail.get_content_type() == "multipart/alternative"  # with an HTML part
    counts = await app.broadcasts.service.counts(first)
    assert counts.by_platform == {
        ("email", RecipientState.SENT): 2,
        ("telegram", RecipientState.SENT): 1,
    }

    # The block is remembered: the next broadcast goes straight to e-mail.
    await announce(app, [blocked])
    await sent(app)
    assert len(api.attempts("sendMessage", "6001")) == 1
    assert (
        len([m for m in mails_to(smtp, "6001@example.org") if "Festival" in str(m["Subject"])]) == 2
    )


async def test_a_member_nobody_can_reach_is_counted_unreachable(
    start_bot: StartBot, api: FakeBotApi
) -> None:
    bot = await start_bot()  # no SMTP: no e-mail channel
    member = await make_member(bot.app, "7001", platform="telegram")
    api.blocked.add("7001")
    broadcast_id = await announce(bot.app, [member], report_to=Chat("telegram", "7001"))
    await sent(bot.app)
    counts = await bot.app.broadcasts.service.counts(broadcast_id)
    assert counts.state(RecipientState.UNREACHABLE) == 1
    failures = (await bot.app.broadcasts.service.failures_csv(broadcast_id)).decode()
    assert f"{member}," in failures and "example.org" not in failures and "7001" not in failures


async def test_discord_members_and_the_announcement_channel(
    werkbot_on_discord: Runner, fake: FakeDiscord, make_settings
) -> None:
    settings = make_settings(announcement_chats=f"discord:{NEWS_CHANNEL_ID}")
    async with werkbot_on_discord(settings=settings) as (app, _adapter):
        on_discord = await make_member(app, "4242", platform="discord")
        linked = await make_member(app, "4343", platform="discord")
        code, _expires = await app.members.service.new_link_code(linked)
        await app.members.service.link("telegram", "4343", code)  # no Telegram adapter runs
        broadcast_id = await announce(
            app,
            [on_discord, linked],
            chats=[Chat("discord", str(NEWS_CHANNEL_ID), is_private=False)],
        )
        await sent(app)
        assert any("**Festival** op 11 mei" in text for text in fake.dm_texts(4242))
        assert len([t for t in fake.dm_texts(4343) if "Festival" in t]) == 1
        posted = fake.posted(NEWS_CHANNEL_ID)
        assert len(posted) == 1 and "**Festival**" in posted[0].json["content"]
        await fake.wait_calls("POST", rf"^/channels/{NEWS_CHANNEL_ID}/messages/\d+/crosspost$")
        assert [channel for channel, _message in fake.published] == [NEWS_CHANNEL_ID]
        counts = await app.broadcasts.service.counts(broadcast_id)
        assert counts.state(RecipientState.SENT) == 3
