"""Hostile and unlucky input on Telegram, end-to-end: real python-telegram-bot, real core,
the fake Bot API server, which refuses what the real Telegram refuses.

Uploads that Telegram will not hand over, and texts full of emoji (two UTF-16 units each,
which is how Telegram counts). Every test also fails when an ERROR is logged.
"""

from __future__ import annotations

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from bot.adapters._text import utf16_length
from bot.adapters.telegram import Limits
from bot.core.commands import Action, Command
from bot.core.context import Context
from bot.core.i18n import translate
from bot.core.types import Attachment, Button, Chat, Reply, Role, buttons
from tests.support.splitting import assert_pieces_of
from tests.telegram.conftest import FAST, StartBot
from tests.telegram.fake_bot_api import MAX_CAPTION, MAX_TEXT, user

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

ALICE = user(42, "Alice", "en")
NINA = user(50, "Nina", "nl")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
COULD_NOT_FETCH = "I could not fetch that file from Telegram. Please send it again."
EMOJI_TEXT = "Uitslag 📊\n" + "😀" * 3000 + "\n" + "\n".join(f"regel {n} 🎉" for n in range(40))


def take_uploads(bot) -> list[Attachment]:
    """Uploads reach this handler first, so a test sees whether any reached the core."""
    received: list[Attachment] = []

    async def take(ctx: Context, attachment: Attachment) -> Reply:
        received.append(attachment)
        return Reply(f"Got {attachment.filename}")

    bot.app.registry.upload_handlers.insert(0, take)
    return received


# -- uploads Telegram will not hand over -----------------------------------------------------


async def test_upload_whose_get_file_is_refused_gets_a_clear_answer(start_bot: StartBot) -> None:
    bot = await start_bot()
    api = bot.api
    received = take_uploads(bot)
    api.fail("getFile", 400, "Bad Request: invalid file_id")
    mark = len(api.calls)
    api.document(ALICE, "vragen.yaml", b"title: x\n", "application/x-yaml")
    await api.reply(42, COULD_NOT_FETCH, after=mark)
    assert received == [] and not api.attempts("downloadFile")

    # The adapter keeps going: the next upload arrives, and so do commands.
    mark = len(api.calls)
    api.document(ALICE, "vragen.yaml", b"title: x\n", "application/x-yaml")
    await api.reply(42, "Got vragen.yaml", after=mark)
    mark = await bot.say(ALICE, "/hulp")
    await api.reply(42, "/registreer", after=mark)


async def test_upload_whose_get_file_keeps_failing_on_telegrams_side(
    start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot(limits=Limits(private_burst=1000, max_retries=2, backoff_base=0.01))
    api = bot.api
    take_uploads(bot)
    api.fail("getFile", 502, "Bad Gateway", times=3)
    mark = len(api.calls)
    api.photo(ALICE, PNG)
    await api.reply(42, COULD_NOT_FETCH, after=mark)
    assert [call.status for call in api.attempts("getFile")] == [502, 502, 502]
    assert "could not fetch" in caplog.text  # a warning, and no ERROR (checked for every test)


async def test_upload_whose_download_is_gone_gets_a_clear_answer_in_dutch(
    start_bot: StartBot,
) -> None:
    bot = await start_bot()
    api = bot.api
    received = take_uploads(bot)
    api.fail("downloadFile", 404, "Not Found")
    mark = len(api.calls)
    api.document(NINA, "vragen.yaml", b"title: x\n")
    expected = translate(COULD_NOT_FETCH, "nl")  # the member's language
    await api.reply(50, expected, after=mark)
    assert api.attempts("getFile") and [c.status for c in api.attempts("downloadFile")] == [404]
    assert received == []


async def test_file_telegram_calls_too_big_is_refused_as_too_large(start_bot: StartBot) -> None:
    bot = await start_bot()
    take_uploads(bot)
    bot.api.fail("getFile", 400, "Bad Request: file is too big")
    mark = len(bot.api.calls)
    bot.api.document(ALICE, "film.mp4", b"x" * 100)
    await bot.api.reply(42, "too large", after=mark)


# -- texts measured in UTF-16 code units ------------------------------------------------------


def _refused(bot) -> list[tuple[str, int, str]]:
    return [(c.method, c.status, c.text[:30]) for c in bot.api.calls if c.status == 400]


async def test_a_reply_full_of_emoji_arrives_in_pieces_telegram_accepts(
    start_bot: StartBot,
) -> None:
    bot = await start_bot()
    api = bot.api

    async def emoji(ctx: Context) -> Reply:
        return Reply(EMOJI_TEXT, buttons=buttons(Button("👍 Mooi", "x:mooi")))

    bot.app.registry.command(Command("emoji", "emoji", "Emoji", emoji, role=Role.GUEST))
    assert len(EMOJI_TEXT) < MAX_TEXT < utf16_length(EMOJI_TEXT)  # one message by len()
    mark = await bot.say(ALICE, "/emoji")
    last = await api.reply(42, "regel 39", after=mark)
    pieces = api.sent(42, after=mark)
    assert len(pieces) >= 2 and pieces[-1] is last
    assert all(utf16_length(piece.text) <= MAX_TEXT for piece in pieces)
    assert_pieces_of(EMOJI_TEXT, [piece.text for piece in pieces])
    assert last.actions == ["x:mooi"] and all(not p.keyboard for p in pieces[:-1])
    assert _refused(bot) == []


async def test_a_caption_full_of_emoji_is_measured_in_units(start_bot: StartBot) -> None:
    bot = await start_bot()
    api = bot.api
    chart = Attachment("chart.png", PNG, "image/png")
    long_caption = "📊" * 600  # 600 code points, 1,200 units: over the caption limit
    assert len(long_caption) <= MAX_CAPTION < utf16_length(long_caption)
    mark = len(api.calls)
    await bot.adapter.send(Chat("telegram", "42"), Reply(long_caption, attachment=chart))
    text, photo = api.sent(42, after=mark)
    assert text.method == "sendMessage" and text.text == long_caption
    assert photo.method == "sendPhoto" and "caption" not in photo.params

    mark = len(api.calls)
    await bot.adapter.send(Chat("telegram", "42"), Reply("📊" * 500, attachment=chart))
    (photo,) = api.sent(42, after=mark)
    assert photo.method == "sendPhoto" and photo.params["caption"] == "📊" * 500
    assert _refused(bot) == []


async def test_an_edit_over_the_limit_in_units_becomes_new_messages(start_bot: StartBot) -> None:
    bot = await start_bot(limits=FAST)
    api = bot.api

    async def ask(ctx: Context) -> Reply:
        return Reply("Hoeveel emoji?", buttons=buttons(Button("Veel", "emo:many")))

    async def answer(ctx: Context, parts: list[str]) -> Reply:
        return Reply("🎉" * 2500, replace=True)  # 2,500 code points, 5,000 units

    bot.app.registry.command(Command("vraag", "ask", "Ask", ask, role=Role.GUEST))
    bot.app.registry.action(Action("emo", answer))
    mark = await bot.say(ALICE, "/vraag")
    question = await api.reply(42, "Hoeveel", after=mark)
    mark = len(api.calls)
    api.press(ALICE, question, "emo:many")
    await api.wait_for(lambda: len(api.sent(42, after=mark)) == 2, what="two new messages")
    assert not api.attempts("editMessageText")  # not tried: it cannot fit in one message
    assert_pieces_of("🎉" * 2500, [piece.text for piece in api.sent(42, after=mark)])

    # A short answer still replaces the question in place.
    async def short(ctx: Context, parts: list[str]) -> Reply:
        return Reply("🎉" * 100, replace=True)

    bot.app.registry.actions["emo"] = Action("emo", short)
    mark = await bot.say(ALICE, "/vraag")
    question = await api.reply(42, "Hoeveel", after=mark)
    mark = len(api.calls)
    api.press(ALICE, question, "emo:many")
    (edit,) = await api.wait_for(lambda: api.sent(42, method="editMessageText", after=mark))
    assert edit.text == "🎉" * 100 and edit.params["message_id"] == question.params["message_id"]
    assert _refused(bot) == []


async def test_marking_a_choice_never_makes_the_text_too_long(start_bot: StartBot) -> None:
    bot = await start_bot()
    api = bot.api
    full = "🗳" * 2047  # 4,094 units: "\n\n✓ Ja" on top would be too long

    async def ask(ctx: Context) -> Reply:
        return Reply(full, buttons=buttons(Button("Ja", "cv:test:q:yes")))

    bot.app.registry.command(Command("kies", "choose", "Choose", ask, role=Role.GUEST))
    mark = await bot.say(ALICE, "/kies")
    question = await api.reply(42, full, after=mark)
    mark = len(api.calls)
    api.press(ALICE, question, "cv:test:q:yes")
    await api.wait_for(lambda: api.attempts("answerCallbackQuery"))
    removed = await api.wait_for(lambda: api.sent(42, method="editMessageReplyMarkup", after=mark))
    assert removed[0].params["message_id"] == question.params["message_id"]
    assert not api.attempts("editMessageText") and _refused(bot) == []


async def test_the_fake_refuses_what_telegram_refuses(start_bot: StartBot) -> None:
    """The strict fake is what makes the tests above worth something: it does refuse."""
    bot = await start_bot()
    raw = bot.adapter._require_application().bot
    cases = [
        ({"text": "😀" * 2049}, "message is too long"),
        ({"text": " \n "}, "message text is empty"),
        (
            {
                "text": "x",
                "reply_markup": InlineKeyboardMarkup(
                    [[InlineKeyboardButton("x", callback_data="é" * 33)]]
                ),
            },
            "BUTTON_DATA_INVALID",
        ),
        (
            {
                "text": "x",
                "reply_markup": InlineKeyboardMarkup(
                    [[InlineKeyboardButton(" ", callback_data="x:1")]]
                ),
            },
            "BUTTON_TEXT_INVALID",
        ),
    ]
    for arguments, description in cases:
        with pytest.raises(BadRequest, match=f"(?i){description}"):
            await raw.send_message(42, **arguments)
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await raw.send_photo(42, PNG, caption="📊" * 513)


# -- the hostile user's cases, through Telegram ----------------------------------------------


async def test_button_data_beyond_64_bits_gets_a_refusal(start_bot: StartBot) -> None:
    """Modified clients can send any callback data up to 64 bytes."""
    from tests.surveys.conftest import make_member, one_choice, open_survey

    bot = await start_bot()
    api = bot.api
    await make_member(bot.app, "42", platform="telegram")
    await open_survey(bot.app, one_choice())
    mark = await bot.say(ALICE, "/start")
    start = await api.reply(42, "Werkbot", after=mark)
    for data in ("sv:go:9223372036854775808", "sv:a:9223372036854775808:1:1", "sv:a:1:1:²"):
        mark = len(api.calls)
        query = api.press(ALICE, start, data)
        await api.wait_for(
            lambda query=query: [
                c for c in api.attempts("answerCallbackQuery") if c.params.get("callback_query_id") == query
            ]
        )
        refusal = await api.reply(42, "no longer works", after=mark)
        assert "went wrong" not in refusal.text


async def test_a_survey_full_of_emoji_shows_its_intro(start_bot: StartBot) -> None:
    """Title and intro within the file's limits (200 and 2,000 characters) but all emoji:
    /stem must still show the intro and the anonymity notice."""
    from tests.surveys.conftest import make_member

    bot = await start_bot()
    api = bot.api
    await make_member(bot.app, "42", platform="telegram")
    source = (
        f'title: "{"📊" * 200}"\nintro: "{"😀" * 2000}"\ncloses: 2099-01-01 10:00\n'
        "questions:\n  - type: single\n    text: Ja of nee?\n    options: [ja, nee]\n"
    )
    survey = await bot.app.surveys.service.import_file(source.encode(), "test")
    await bot.app.surveys.service.open(survey.id)
    mark = await bot.say(ALICE, f"/stem {survey.id}")
    await api.reply(42, "anonymous", after=mark)
    await api.reply(42, "Ja of nee?", after=mark)
    assert _refused(bot) == []
    assert all(utf16_length(call.text) <= MAX_TEXT for call in api.sent(42, after=mark))
