"""The Telegram adapter end-to-end: real python-telegram-bot, real core, fake Bot API server.

Every assertion is on what the fake server received over HTTP (method, chat_id, text,
reply_markup), or on what the core stored as a result.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.adapters.telegram import Limits, WebhookOptions, file_url_for
from bot.core.adapter import PlatformStartError
from bot.core.context import Context
from bot.core.delivery import Outbound
from bot.core.types import Attachment, Chat, Identity, Reply
from bot.platforms import platform_adapters
from tests.support.chat import RecordingChat, code_in
from tests.support.process import run_environment, start_werkbot
from tests.support.smtp import LocalSmtp, free_port
from tests.telegram.conftest import StartBot
from tests.telegram.fake_bot_api import (
    BOT_USERNAME,
    TOKEN,
    FakeBotApi,
    group_chat,
    private_chat,
    user,
)

# PTB's own RetryAfter constructor warns about its int-to-timedelta change (not our code)
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

ALICE = user(42, "Alice", "en")
BOB = user(43, "Bob", "en")
OLGA = user(111, "Olga", "en")  # organizer in the tests that say so
GROUP = group_chat()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def register(bot: Any, who: dict[str, Any], name: str = "Alice Jansen") -> int:
    """A member created through the members service, for tests about something else."""
    return await bot.app.members.service.register(
        "telegram",
        str(who["id"]),
        name=name,
        email=f"{who['id']}@example.org",
        work_situation="zzp",
        province="utrecht",
        language="en",
    )


def scope_commands(api: FakeBotApi, scope_type: str, language: str | None) -> list[str]:
    for call in api.attempts("setMyCommands"):
        if (
            call.json("scope")["type"] == scope_type
            and call.params.get("language_code") == language
        ):
            return [command["command"] for command in call.json("commands")]
    raise AssertionError(f"no setMyCommands for {scope_type}/{language}")


# -- lifecycle, menus, /start ----------------------------------------------------------------


async def test_start_publishes_menus_and_answers_start(start_bot: StartBot) -> None:
    bot = await start_bot(organizers="telegram:111")
    api = bot.api
    assert api.attempts("getMe") and api.attempts("deleteWebhook")  # polling, no webhook left

    dutch = scope_commands(api, "default", None)
    assert dutch == scope_commands(api, "default", "nl")
    assert "registreer" in dutch and "hulp" in dutch and "register" not in dutch
    english = scope_commands(api, "default", "en")
    assert "register" in english and "help" in english and "registreer" not in english
    for listed in (dutch, english):
        assert not {"leden", "members", "sponsor_nieuw", "sponsor_new"} & set(listed)
    call = next(c for c in api.attempts("setMyCommands") if c.json("scope")["type"] == "chat")
    assert call.json("scope")["chat_id"] == 111
    assert "leden" in [c["command"] for c in call.json("commands")]

    mark = await bot.say(ALICE, "/start")
    reply = await api.reply(42, "Werkbot", after=mark)
    assert reply.actions == ["mb:register", "mb:help"]
    assert reply.params.get("parse_mode") is None  # plain text: member input is never markup


async def test_menu_refusal_does_not_stop_the_bot(start_bot: StartBot, api: FakeBotApi) -> None:
    api.fail("setMyCommands", 400, "Bad Request: chat not found", chat_id=None, times=10)
    bot = await start_bot(organizers="telegram:111")
    mark = await bot.say(ALICE, "/hulp")
    await api.reply(42, "/registreer", after=mark)


async def test_english_alias_and_dutch_name_both_work(start_bot: StartBot) -> None:
    bot = await start_bot()
    mark = await bot.say(ALICE, "/help")
    first = await bot.api.reply(42, "/start", after=mark)
    mark = await bot.say(ALICE, "/hulp")
    second = await bot.api.reply(42, "/start", after=mark)
    assert first.text == second.text


# -- the registration conversation, language and identity -----------------------------------


async def test_registration_conversation(start_bot: StartBot, smtp: LocalSmtp) -> None:
    bot = await start_bot(**smtp.settings())
    api = bot.api
    mark = await bot.say(ALICE, "/start")
    start = await api.reply(42, "Werkbot", after=mark)

    mark = len(api.calls)
    query = api.press(ALICE, start, "mb:register")
    await api.wait_for(
        lambda: [
            c for c in api.attempts("answerCallbackQuery") if c.params["callback_query_id"] == query
        ]
    )
    await api.reply(42, "step 1 of 6", after=mark)

    mark = await bot.say(ALICE, "Alice Jansen")
    await api.reply(42, "step 2 of 6", after=mark)
    mark = await bot.say(ALICE, "alice@example.org")
    work = await api.reply(42, "step 3 of 6", after=mark)
    assert work.actions and all(a.startswith("cv:registration:work:") for a in work.actions)

    mark = len(api.calls)
    api.press(ALICE, work, work.actions[0])
    province = await api.reply(42, "step 4 of 6", after=mark)
    # the answered question shows the choice and loses its keyboard
    edit = await api.wait_for(lambda: api.sent(42, method="editMessageText", after=mark))
    assert edit[0].params["message_id"] == work.params["message_id"]
    assert "✓" in edit[0].text and edit[0].keyboard == []

    mark = len(api.calls)
    api.press(ALICE, province, province.actions[0])
    consent = await api.reply(42, "step 5 of 6", after=mark)
    assert "Alice Jansen" in consent.text and "alice@example.org" in consent.text

    mark = len(api.calls)
    api.press(ALICE, consent, "cv:registration:consent:yes")
    await api.reply(42, "Almost done", after=mark)
    await api.reply(42, "step 6 of 6", after=mark)
    await api.wait_for(lambda: smtp.inbox.messages, what="the mail with the code")
    mail = smtp.inbox.messages[0]
    code = code_in(mail.get_payload(decode=True).decode())

    mark = await bot.say(ALICE, code)
    await api.reply(42, "Welcome, Alice Jansen", after=mark)

    caller = await bot.app.members.service.caller(Identity("telegram", "42"))
    assert caller.is_member and caller.verified
    profile = await bot.app.members.service.profile(caller.member_id)
    assert profile.language == "en"  # the Telegram language_code was the hint

    # identity is the user id, never the display name
    impostor = user(99, "Alice Jansen", "en")
    mark = await bot.say(impostor, "/profiel")
    await api.reply(99, "registered members", after=mark)
    renamed = user(42, "Someone Else", "en")
    mark = await bot.say(renamed, "/profiel")
    await api.reply(42, "Alice Jansen", after=mark)


async def test_language_hint_from_telegram(start_bot: StartBot) -> None:
    bot = await start_bot()
    nina, eve = user(50, "Nina", "nl"), user(51, "Eve", "en-GB")
    for who, register_label in ((nina, "Registreren"), (eve, "Register")):
        mark = await bot.say(who, "/start")
        reply = await bot.api.reply(who["id"], "Werkbot", after=mark)
        assert reply.keyboard[0][0]["text"] == register_label
    # a language the member chose overrides the hint from then on
    mark = await bot.say(nina, "/taal en")
    await bot.api.reply(50, after=mark)
    mark = await bot.say(nina, "/start")
    reply = await bot.api.reply(50, "Werkbot", after=mark)
    assert reply.keyboard[0][0]["text"] == "Register"


# -- linking a console identity ----------------------------------------------------------------


async def test_koppel_links_a_console_identity(start_bot: StartBot) -> None:
    bot = await start_bot()
    console = RecordingChat(bot.app.router)
    bot.app.delivery.attach(console)
    member_id = await bot.app.members.service.register(
        "console",
        "alice",
        name="Alice Jansen",
        email="alice@example.org",
        work_situation="zzp",
        province="utrecht",
        language="en",
    )
    code = code_in_link(" ".join(r.text for r in await console.say("alice", "/koppel")))

    mark = await bot.say(ALICE, f"/koppel {code}")
    await bot.api.reply(42, "Linked!", after=mark)
    caller = await bot.app.members.service.caller(Identity("telegram", "42"))
    assert caller.member_id == member_id

    mark = await bot.say(ALICE, f"/koppel {code}")  # twice: a clear refusal, no traceback
    await bot.api.reply(42, "already belongs", after=mark)


def code_in_link(text: str) -> str:
    for word in text.replace(".", " ").split():
        if len(word) == 9 and word[4] == "-":
            return word
    raise AssertionError(f"no link code in {text!r}")


# -- buttons ---------------------------------------------------------------------------------


async def test_button_press_and_presses_on_old_messages(start_bot: StartBot) -> None:
    bot = await start_bot()
    api = bot.api
    await register(bot, BOB, "Bob")

    mark = await bot.say(BOB, "/vergeetmij")
    question = await api.reply(43, "erase", after=mark)
    assert question.actions[1] == "mb:keep"
    mark = len(api.calls)
    query = api.press(BOB, question, "mb:keep")
    edit = await api.wait_for(lambda: api.sent(43, method="editMessageText", after=mark))
    assert edit[0].params["message_id"] == question.params["message_id"]
    assert edit[0].text == "Nothing was erased." and edit[0].keyboard == []
    answered = api.attempts("answerCallbackQuery")
    assert [c.params["callback_query_id"] for c in answered] == [query]

    # a message older than 48 hours arrives as an inaccessible message
    old = {"chat": private_chat(BOB), "message_id": 7, "date": 0}
    mark = len(api.calls)
    query = api.press(BOB, old, "xx:gone:1")
    await api.reply(43, "no longer works", after=mark)
    assert query in [c.params["callback_query_id"] for c in api.attempts("answerCallbackQuery")]

    # a conversation button from an earlier question: refused, answered, keyboard removed
    mark = await bot.say(ALICE, "/registreer")
    await api.reply(42, "step 1", after=mark)
    stale = {
        "chat": private_chat(ALICE),
        "message_id": 5,
        "date": int(time.time()) - 3600,
        "from": api.bot_user,
        "text": "What is your work situation?",
        "reply_markup": {
            "inline_keyboard": [[{"text": "ZZP", "callback_data": "cv:registration:work:zzp"}]]
        },
    }
    api.messages[("42", 5)] = dict(stale)
    mark = len(api.calls)
    query = api.press(ALICE, stale, "cv:registration:work:zzp")
    await api.reply(42, "earlier question", after=mark)
    assert query in [c.params["callback_query_id"] for c in api.attempts("answerCallbackQuery")]
    removed = await api.wait_for(lambda: api.sent(42, method="editMessageReplyMarkup", after=mark))
    assert removed[0].params["message_id"] == "5" and "reply_markup" not in removed[0].params

    # garbage callback data from a forged client
    mark = len(api.calls)
    query = api.press(ALICE, stale, "\x00" * 10)
    await api.reply(42, "no longer works", after=mark)
    assert query in [c.params["callback_query_id"] for c in api.attempts("answerCallbackQuery")]


async def test_refused_button_is_answered(start_bot: StartBot) -> None:
    bot = await start_bot()
    member_id = await register(bot, BOB, "Bob")
    # Alice presses Bob's erase button (e.g. forwarded): refused, still answered, nothing erased
    fake = {"chat": private_chat(ALICE), "message_id": 9, "date": int(time.time())}
    mark = len(bot.api.calls)
    query = bot.api.press(ALICE, fake, f"mb:forget:{member_id}")
    await bot.api.reply(42, "no longer exists", after=mark)
    assert query in [c.params["callback_query_id"] for c in bot.api.attempts("answerCallbackQuery")]
    assert (await bot.app.members.service.caller(Identity("telegram", "43"))).member_id == member_id


# -- commands: forbidden, unknown, groups --------------------------------------------------------


async def test_forbidden_command(start_bot: StartBot) -> None:
    bot = await start_bot(organizers="telegram:111")
    await register(bot, ALICE)
    mark = await bot.say(ALICE, "/leden")
    await bot.api.reply(42, "Only organizers may use /leden", after=mark)
    mark = await bot.say(OLGA, "/members jansen")
    listing = await bot.api.reply(111, "Alice Jansen", after=mark)
    assert listing.text.startswith("Members")


async def test_unknown_command_and_commands_for_other_bots(start_bot: StartBot) -> None:
    bot = await start_bot()
    mark = await bot.say(ALICE, "/onzin met argumenten")
    await bot.api.reply(42, "I don't know the command /onzin", after=mark)

    mark = await bot.say(ALICE, "/hulp@some_other_bot", GROUP)
    await bot.say(ALICE, "just chatting in the group", GROUP)
    await bot.say(ALICE, f"/help@{BOT_USERNAME}", GROUP)
    answer = await bot.api.reply(GROUP["id"], "/registreer", after=mark)
    # the update order is kept per user, so anything for the first two would be there by now
    assert bot.api.sent(GROUP["id"], after=mark) == [answer]


async def test_messages_of_one_user_are_handled_in_order(start_bot: StartBot) -> None:
    bot = await start_bot()
    mark = len(bot.api.calls)
    for index in range(6):
        bot.api.message(ALICE, f"/onzin{index}")
    await bot.api.reply(42, "/onzin5", after=mark)
    texts = [c.text for c in bot.api.sent(42, after=mark)]
    assert [t.split("/")[1].split(".")[0] for t in texts] == [f"onzin{i}" for i in range(6)]


async def test_personal_command_in_a_group_moves_to_the_private_chat(start_bot: StartBot) -> None:
    bot = await start_bot()
    api = bot.api
    mark = await bot.say(ALICE, f"/registreer@{BOT_USERNAME}", GROUP)
    notice = await api.reply(GROUP["id"], "private chat", after=mark)
    assert notice.urls == [f"https://t.me/{BOT_USERNAME}?start=registreer"]
    assert api.sent(42, after=mark) == []

    mark = await bot.say(ALICE, "/start registreer")  # what the deep link sends
    await api.reply(42, "step 1 of", after=mark)


async def test_private_reply_to_a_group_command_goes_to_the_user(start_bot: StartBot) -> None:
    bot = await start_bot(organizers="telegram:111")
    await register(bot, ALICE)
    api = bot.api
    mark = await bot.say(OLGA, "/leden", GROUP)
    await api.reply(111, "Alice Jansen", after=mark)
    assert api.sent(GROUP["id"], after=mark) == []

    api.blocked.add("111")  # has not opened a private chat (or blocked the bot)
    mark = await bot.say(OLGA, "/leden", GROUP)
    notice = await api.reply(GROUP["id"], "private chat", after=mark)
    assert notice.urls == [f"https://t.me/{BOT_USERNAME}?start=start"]
    assert "Alice" not in notice.text


# -- files -----------------------------------------------------------------------------------------


async def test_files_in_and_out(start_bot: StartBot) -> None:
    bot = await start_bot()
    api = bot.api
    received: list[Attachment] = []

    async def take(ctx: Context, attachment: Attachment) -> Reply:
        received.append(attachment)
        return Reply(f"Got {attachment.filename} ({len(attachment.data)} bytes)")

    # first in line, so the test sees exactly what the core received (cogs may take files too)
    bot.app.registry.upload_handlers.insert(0, take)
    content = b"title: Jouw Stem\nquestions: []\n" * 10
    mark = len(api.calls)
    api.document(ALICE, "vragen.yaml", content, "application/x-yaml", caption="nieuw")
    await api.reply(42, f"Got vragen.yaml ({len(content)} bytes)", after=mark)
    assert received[0].data == content and received[0].mime_type == "application/x-yaml"
    assert api.attempts("getFile") and api.attempts("downloadFile")

    # a photo: the largest size is fetched
    mark = len(api.calls)
    api.photo(ALICE, PNG)
    await api.reply(42, f"Got photo.jpg ({len(PNG)} bytes)", after=mark)
    assert received[1].is_image and received[1].data == PNG

    # the data export goes out as a document
    await register(bot, ALICE)
    mark = await bot.say(ALICE, "/mijngegevens")
    export = await api.reply(42, after=mark, method="sendDocument")
    name, data = export.files["document"]
    assert name.startswith("werkbot-mijngegevens-") and name.endswith(".json")
    assert "Alice Jansen" in json.dumps(json.loads(data))

    # an image (a chart) goes out as a photo, with the text as caption
    mark = len(api.calls)
    chart = Reply("Results", attachment=Attachment("chart.png", PNG, "image/png"))
    await bot.adapter.send(Chat("telegram", "42"), chart)
    photo = api.sent(42, method="sendPhoto", after=mark)[0]
    assert photo.files["photo"][1] == PNG and photo.params["caption"] == "Results"

    # an image Telegram refuses as a photo still arrives, as a document
    api.fail("sendPhoto", 400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
    mark = len(api.calls)
    await bot.adapter.send(Chat("telegram", "42"), chart)
    document = api.sent(42, method="sendDocument", after=mark)[0]
    assert document.files["document"] == ("chart.png", PNG)


async def test_too_large_upload_is_refused(start_bot: StartBot) -> None:
    bot = await start_bot(adapter_options={"max_upload_bytes": 100})
    mark = len(bot.api.calls)
    bot.api.document(ALICE, "big.bin", b"x" * 1000)
    await bot.api.reply(42, "too large", after=mark)
    assert not bot.api.attempts("getFile")


async def test_long_text_is_split(start_bot: StartBot) -> None:
    bot = await start_bot()
    text = "\n".join(f"line {i} " + "x" * 80 for i in range(120))
    await bot.adapter.send(Chat("telegram", "42"), Reply(text))
    parts = bot.api.sent(42)
    assert len(parts) >= 3 and all(len(p.text) <= 4096 for p in parts)
    assert "\n".join(p.text for p in parts).replace("\n", "") == text.replace("\n", "")


# -- limits and faults ---------------------------------------------------------------------------


async def test_429_retry_after_is_honoured(
    start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot()
    api = bot.api
    api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    mark = await bot.say(ALICE, "/hulp")
    await api.reply(42, "/registreer", after=mark)
    attempts = api.attempts("sendMessage", 42)
    assert [a.status for a in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 1.0
    assert "slow down" in caplog.text


async def test_5xx_timeouts_and_dropped_sends_are_retried(start_bot: StartBot) -> None:
    bot = await start_bot()
    api = bot.api
    api.fail("sendMessage", 502, "Bad Gateway", times=2)
    api.drop("sendMessage")
    mark = await bot.say(ALICE, "/hulp")
    await api.reply(42, "/registreer", after=mark)
    assert [a.status for a in api.attempts("sendMessage", 42)] == [502, 502, 0, 200]


@pytest.mark.allow_error_logs
async def test_a_reply_that_keeps_failing_is_given_up_and_logged(
    start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot(limits=Limits(private_burst=1000, max_retries=2, backoff_base=0.01))
    bot.api.fail("sendMessage", 500, "Internal Server Error", times=3)
    mark = await bot.say(ALICE, "/hulp")
    await bot.api.wait_for(lambda: len(bot.api.attempts("sendMessage", 42)) == 3)
    await bot.api.wait_for(lambda: "could not be sent" in caplog.text)
    # the bot keeps working afterwards
    mark = await bot.say(ALICE, "/hulp")
    await bot.api.reply(42, "/registreer", after=mark)


async def test_dropped_connection_during_polling(
    start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot()
    api = bot.api
    api.drop("getUpdates")
    mark = await bot.say(ALICE, "/hulp")  # answered by the long poll running now
    await api.reply(42, "/registreer", after=mark)
    await api.wait_for(lambda: [c for c in api.attempts("getUpdates") if c.status == 0])
    mark = await bot.say(BOB, "/hulp")  # needs the polling to have recovered
    await api.reply(43, "/registreer", after=mark)
    assert "polling failed" in caplog.text


async def test_blocked_user_is_marked_unreachable(start_bot: StartBot) -> None:
    bot = await start_bot()
    member_id = await register(bot, ALICE)
    bot.api.blocked.add("42")

    sent = await bot.app.delivery.deliver(
        Outbound(member_id=member_id, render=lambda: Reply("News"))
    )
    assert sent is False
    assert len(bot.api.attempts("sendMessage", 42)) == 1  # no retrying a 403
    _language, accounts = await bot.app.members.service.contact_points(member_id)
    assert accounts == []

    # a message from them is still handled; the failed reply is not retried either
    mark = await bot.say(ALICE, "/hulp")
    await bot.api.wait_for(lambda: len(bot.api.attempts("sendMessage", 42)) == 2)
    await bot.say(BOB, "/hulp")
    await bot.api.reply(43, "/registreer", after=mark)
    assert len(bot.api.attempts("sendMessage", 42)) == 2


async def test_outgoing_traffic_is_rate_limited(start_bot: StartBot) -> None:
    # Telegram's limits scaled down 5x in time: burst 2, then one per 0.2 s per private chat;
    # 3 per 0.6 s per group.
    limits = Limits(private_burst=2, private_period=0.2, group_rate=3, group_period=0.6)
    bot = await start_bot(limits=limits)
    api = bot.api
    private = Chat("telegram", "42")
    group = Chat("telegram", str(GROUP["id"]), is_private=False)
    await asyncio.gather(
        *(bot.adapter.send(private, Reply(f"p{i}")) for i in range(5)),
        *(bot.adapter.send(group, Reply(f"g{i}")) for i in range(5)),
    )
    times = [c.at for c in api.sent(42)]
    assert len(times) == 5
    assert times[4] - times[0] >= 0.5  # after the burst of 2, one per 0.2 s
    assert times[4] - times[0] < 2.0  # throttled, not serialised at a full second each
    group_times = [c.at for c in api.sent(GROUP["id"])]
    assert len(group_times) == 5
    assert group_times[4] - group_times[0] >= 0.3  # after 3, one per 0.2 s


def test_default_limits_are_telegrams() -> None:
    limits = Limits()
    assert limits.overall_rate / limits.overall_period == 30
    assert limits.private_period == 1.0
    assert limits.group_rate == 20 and limits.group_period == 60


# -- webhook mode, shutdown, wiring ----------------------------------------------------------


async def test_webhook_mode_checks_the_secret(start_bot: StartBot) -> None:
    port = free_port()
    options = WebhookOptions(
        url="https://bot.example.org/telegram/hook", secret="s3cret-Token_1", port=port
    )
    bot = await start_bot(webhook=options)
    api = bot.api
    call = api.attempts("setWebhook")[0]
    assert call.params["url"] == "https://bot.example.org/telegram/hook"
    assert call.params["secret_token"] == "s3cret-Token_1"
    assert not api.attempts("getUpdates")

    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": private_chat(ALICE),
            "from": ALICE,
            "text": "/hulp",
        },
    }
    url = f"http://127.0.0.1:{port}/telegram/hook"
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json=update) as response:
            assert response.status == 403
        headers = {"X-Telegram-Bot-Api-Secret-Token": "wrong"}
        async with session.post(url, json=update, headers=headers) as response:
            assert response.status == 403
        headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}
        async with session.post(url, data=b"{not json", headers=headers) as response:
            assert response.status == 400
        assert api.sent(42) == []
        async with session.post(url, json=update, headers=headers) as response:
            assert response.status == 200
    await api.reply(42, "/registreer")


async def test_stop_finishes_handlers_in_flight(start_bot: StartBot) -> None:
    bot = await start_bot()
    api = bot.api
    api.delay("sendMessage", 0.5)
    mark = await bot.say(ALICE, "/registreer")  # two replies: a welcome, then step 1
    await api.wait_for(lambda: api.attempts("sendMessage", 42))
    await bot.adapter.stop()  # while the first reply is still on its way
    texts = [c.text for c in api.sent(42, after=mark)]
    assert len(texts) == 2 and "step 1" in texts[1]


async def test_wrong_token_stops_the_start_with_a_clear_message(
    make_settings: Any, api: FakeBotApi
) -> None:
    from bot.app import Werkbot
    from bot.platforms import telegram_adapter

    app = Werkbot(make_settings(telegram_token="1:wrong", telegram_api_base_url=api.base_url))
    await app.start()
    try:
        adapter = telegram_adapter(app)
        with pytest.raises(PlatformStartError, match="TELEGRAM_TOKEN"):
            await adapter.start()
        await adapter.stop()
    finally:
        await app.stop()


async def test_unreachable_api_stops_the_start_with_a_clear_message(
    start_bot: StartBot,
) -> None:
    closed = f"http://127.0.0.1:{free_port()}/bot"
    with pytest.raises(PlatformStartError, match="TELEGRAM_API_BASE_URL"):
        await start_bot(
            limits=Limits(max_retries=1, backoff_base=0.01), telegram_api_base_url=closed
        )


async def test_run_builds_the_telegram_adapter_from_settings(make_settings: Any) -> None:
    from bot.app import Werkbot

    app = Werkbot(
        make_settings(
            telegram_token=TOKEN,
            telegram_api_base_url="http://127.0.0.1:8081/bot/",
            organizers="telegram:111,console:olga",
            admins="telegram:7",
        )
    )
    try:
        adapters = platform_adapters(app)
        assert [a.platform for a in adapters] == ["telegram"]
        options = adapters[0]._options  # type: ignore[attr-defined]
        assert options.base_url == "http://127.0.0.1:8081/bot"  # trailing slash removed
        assert options.file_url == "http://127.0.0.1:8081/file/bot"
        assert dict(options.privileged) == {"111": 30, "7": 40}
        assert options.webhook is None
    finally:
        await app.stop()


def test_file_url_is_derived_from_the_api_url() -> None:
    assert file_url_for("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_url_for("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"
    assert file_url_for("http://proxy.local/tg") == "http://proxy.local/tg/file/bot"


def test_webhook_settings(make_settings: Any) -> None:
    from config import SettingsError, load_settings

    settings = make_settings(
        telegram_token=TOKEN,
        telegram_webhook_url="https://bot.example.org/tg",
        telegram_webhook_port=9000,
    )
    from bot.platforms import telegram_options

    options = telegram_options(settings, {})
    assert options.webhook is not None
    assert options.webhook.path == "/tg" and options.webhook.port == 9000
    assert len(options.webhook.secret) >= 32  # random when not set
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_SECRET"):
        load_settings(telegram_webhook_secret="has spaces!")
    with pytest.raises(SettingsError, match="TELEGRAM_API_BASE_URL"):
        load_settings(telegram_api_base_url="api.telegram.org/bot")


async def test_werkbot_run_serves_telegram_and_stops_cleanly_on_sigterm(
    api: FakeBotApi, tmp_path: Path
) -> None:
    env = run_environment(
        tmp_path,
        TELEGRAM_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api.base_url,
        TELEGRAM_POLL_TIMEOUT="5",
    )
    process = await start_werkbot(env, tmp_path)
    try:
        await api.wait_for(lambda: api.attempts("getUpdates"), within=30, what="polling")
        mark = len(api.calls)
        api.message(ALICE, "/hulp")
        await api.wait_for(lambda: api.sent(42, after=mark), within=15, what="a reply")
        process.send_signal(signal.SIGTERM)
        _stdout, stderr = await asyncio.wait_for(process.communicate(), 20)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log_text = stderr.decode()
    assert process.returncode == 0, log_text
    assert "telegram adapter started" in log_text and "stopping" in log_text
    assert "Traceback" not in log_text


async def test_werkbot_run_reports_a_rejected_token_in_one_line(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """The adapter raises PlatformStartError (it knows no settings module); the entry point
    reports it exactly like a wrong setting: one line on stderr and exit code 2."""
    env = run_environment(tmp_path, TELEGRAM_TOKEN="1:wrong", TELEGRAM_API_BASE_URL=api.base_url)
    process = await start_werkbot(env, tmp_path)
    try:
        _stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log_text = stderr.decode()
    assert process.returncode == 2, log_text
    assert "werkbot: TELEGRAM_TOKEN: Telegram rejected the token" in log_text.splitlines()
    assert "Traceback" not in log_text
