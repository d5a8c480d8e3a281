"""Werkbot's markup on Telegram: sent as HTML (``parse_mode=HTML``), cut on the visible text.

End-to-end with the real python-telegram-bot against the fake Bot API, which parses the
HTML as Telegram does (refusing an unbalanced or unknown tag) and measures the text that
remains; and as properties of ``render`` and ``fits`` without a server.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram.error import BadRequest

from bot.adapters._text import utf16_length
from bot.adapters.telegram._keyboards import (
    HTML,
    MAX_CAPTION,
    MAX_ENTITIES,
    MAX_MARKED_UP,
    MAX_TEXT,
    Outgoing,
    fits,
    render,
    shown_text,
)
from bot.core.commands import Command
from bot.core.context import Context
from bot.core.markup import parse, visible
from bot.core.types import Attachment, Button, Chat, Reply, Role, buttons
from tests.support.splitting import assert_pieces_of
from tests.telegram.conftest import StartBot
from tests.telegram.fake_bot_api import limit_violation, parse_html, user

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

ALICE = user(42, "Alice", "en")
PNG = Attachment("grafiek.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")
ANNOUNCEMENT = (
    "*Algemene ledenvergadering* op _donderdag 4 december_ <20:00> & daarna borrel.\n"
    "Meld je aan via [de agenda](https://werkvereniging.nl/agenda?id=4&taal=nl)."
)


def _command(bot: Any, name: str, reply: Reply) -> None:
    async def handler(ctx: Context) -> Reply:
        return reply

    bot.app.registry.command(Command(name, name, name.title(), handler, role=Role.GUEST))


async def test_a_markup_reply_goes_out_as_html(start_bot: StartBot) -> None:
    bot = await start_bot()
    _command(bot, "nieuws", Reply(ANNOUNCEMENT, markup=True))
    mark = await bot.say(ALICE, "/nieuws")
    sent = await bot.api.reply(42, "ledenvergadering", after=mark)
    assert sent.params["parse_mode"] == HTML
    assert sent.text.startswith("<b>Algemene ledenvergadering</b> op <i>donderdag 4 december</i>")
    assert "&lt;20:00&gt; &amp; daarna" in sent.text
    assert sent.shown == (
        "Algemene ledenvergadering op donderdag 4 december <20:00> & daarna borrel.\n"
        "Meld je aan via de agenda."
    )
    kinds = [(entity["type"], entity.get("url")) for entity in sent.entities]
    assert kinds == [
        ("bold", None),
        ("italic", None),
        ("text_link", "https://werkvereniging.nl/agenda?id=4&taal=nl"),
    ]
    # The message Telegram keeps (and shows) is the parsed text with its entities.
    stored = bot.api.messages[("42", int(sent.params["message_id"]))]
    assert stored["text"] == sent.shown and stored["entities"] == sent.entities


async def test_a_plain_reply_is_never_parsed(start_bot: StartBot) -> None:
    """Member input and ordinary replies may hold "<" or "*": no parse_mode for them."""
    bot = await start_bot()
    _command(bot, "letterlijk", Reply("*geen vet* <b>geen tag</b> & zo"))
    mark = await bot.say(ALICE, "/letterlijk")
    sent = await bot.api.reply(42, "geen vet", after=mark)
    assert "parse_mode" not in sent.params and sent.text == "*geen vet* <b>geen tag</b> & zo"


async def test_a_long_announcement_is_cut_on_what_telegram_counts(start_bot: StartBot) -> None:
    """Telegram counts the text after parsing: the HTML of a piece may be far longer than
    4,096 and still fit, and a cut never falls inside a tag (each piece closes and
    reopens its styles, here bold running across the cut)."""
    bot = await start_bot()
    line = "*Vet 😀 woord* _schuin_ [link](https://werkvereniging.nl/a?b=1&c=2) & <meer>"
    text = "*Begin van een lange vetgedrukte zin " + " ".join(["loopt & <door>"] * 500) + "*\n"
    text += "\n".join([line] * 40)
    shown = visible(parse(text))
    assert utf16_length(shown) > 2 * MAX_TEXT
    await bot.adapter.send(Chat("telegram", "42"), Reply(text, markup=True))
    sent = bot.api.sent(42)
    assert len(sent) >= 3
    assert all(call.params["parse_mode"] == HTML for call in sent)
    assert any(len(call.text) > MAX_TEXT for call in sent)  # the HTML is longer...
    assert all(utf16_length(call.shown) <= MAX_TEXT for call in sent)  # ...what shows fits
    assert_pieces_of(shown, [call.shown for call in sent])
    assert [call for call in bot.api.calls if not call.ok] == []
    for call in sent:  # every piece closes what it opens
        assert call.text.count("<b>") == call.text.count("</b>")
        assert call.text.count("<a ") == call.text.count("</a>")


async def test_a_caption_in_markup(start_bot: StartBot) -> None:
    bot = await start_bot()
    await bot.adapter.send(
        Chat("telegram", "42"), Reply("*Uitslag* Jouw Stem 📊", attachment=PNG, markup=True)
    )
    photo = (await bot.api.wait_for(lambda: bot.api.sent(42, method="sendPhoto")))[0]
    assert photo.params["caption"] == "<b>Uitslag</b> Jouw Stem 📊"
    assert photo.params["parse_mode"] == HTML and photo.shown == "Uitslag Jouw Stem 📊"
    stored = bot.api.messages[("42", int(photo.params["message_id"]))]
    assert stored["caption_entities"] == [{"type": "bold", "offset": 0, "length": 7}]

    # A caption measured after parsing: 1,020 units of emoji in bold fit as a caption,
    # although the HTML is longer than 1,024.
    await bot.adapter.send(
        Chat("telegram", "43"), Reply("*" + "📊" * 510 + "*", attachment=PNG, markup=True)
    )
    photo = (await bot.api.wait_for(lambda: bot.api.sent(43, method="sendPhoto")))[0]
    assert utf16_length(photo.params["caption"]) > MAX_CAPTION
    assert utf16_length(photo.shown) == 1020 and not bot.api.sent(43, method="sendMessage")


async def test_a_progress_report_in_markup_is_edited_as_html(start_bot: StartBot) -> None:
    bot = await start_bot()
    chat = Chat("telegram", "42")
    message_id = await bot.adapter.send(chat, Reply("*Verzenden*: 0 van 10", markup=True))
    assert message_id is not None
    assert await bot.adapter.edit(chat, message_id, Reply("*Verzenden*: 5 van 10", markup=True))
    edit = bot.api.sent(42, method="editMessageText")[0]
    assert edit.params["parse_mode"] == HTML and edit.shown == "Verzenden: 5 van 10"
    assert bot.api.messages[("42", int(message_id))]["entities"][0]["type"] == "bold"


async def test_continuing_privately_keeps_the_markup(start_bot: StartBot) -> None:
    bot = await start_bot()
    reply = Reply("*Persoonlijk*: verder in je privéchat", markup=True, continue_privately="start")
    _command(bot, "prive", reply)
    group = {"id": -1001, "type": "supergroup", "title": "Leden"}
    mark = await bot.say(ALICE, "/prive", group)
    sent = await bot.api.reply(-1001, "Persoonlijk", after=mark)
    assert sent.params["parse_mode"] == HTML and sent.shown.startswith("Persoonlijk: verder")
    assert sent.urls  # the button into the private chat


async def test_the_fake_refuses_html_that_telegram_refuses(start_bot: StartBot) -> None:
    """Why the tests above are worth something: broken HTML is refused, as by Telegram."""
    bot = await start_bot()
    telegram_bot = bot.adapter._require_application().bot
    for broken, reason in [
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>kruis <i>ing</b></i>", 'expected "</i>", found "</b>"'),
        ("<script>x</script>", 'Unsupported start tag "script" at byte offset 0'),
        ("x </i>", "Unexpected end tag at byte offset 2"),
        ("a < b", "Unclosed start tag"),
    ]:
        with pytest.raises(BadRequest) as refused:
            await telegram_bot.send_message(42, broken, parse_mode=HTML)
        # PTB drops "Bad Request: " and capitalizes what follows.
        said = str(refused.value).lower()
        assert "can't parse entities" in said and reason.lower() in said
    # Measured after parsing: 4,096 shown characters in tags pass, 4,097 do not.
    await telegram_bot.send_message(42, "<b>" + "x" * MAX_TEXT + "</b>", parse_mode=HTML)
    with pytest.raises(BadRequest, match="too long"):
        await telegram_bot.send_message(42, "<b>" + "x" * (MAX_TEXT + 1) + "</b>", parse_mode=HTML)


# -- render and fits, without a server ----------------------------------------------------------

MARKUP = ["*", "_", "[", "](https://x.nl/?a=1&b=2)", "(", ")", " ", "\n", "a", "😀", "<", "&", '"']
markup_texts = st.one_of(
    st.lists(st.sampled_from(MARKUP), max_size=150).map("".join),
    st.text(max_size=200),
    st.sampled_from(["*" + "😀" * 3000 + "*", "_" + "a " * 3000 + "_", "[x](https://x.nl) " * 600]),
)


def _params(outgoing: Outgoing) -> dict[str, str]:
    key = "text" if outgoing.attachment is None else "caption"
    params = {"chat_id": "42"}
    if outgoing.text is not None:
        params[key] = outgoing.text
    if outgoing.parse_mode is not None:
        params["parse_mode"] = outgoing.parse_mode
    return params


@given(text=markup_texts, attachment=st.sampled_from([None, PNG]))
@settings(
    database=None, deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow]
)
def test_every_markup_reply_passes_the_fakes_parsing_and_limits(
    text: str, attachment: Attachment | None
) -> None:
    reply = Reply(text, buttons=buttons(Button("Meer", url="https://x.nl")), attachment=attachment)
    marked = Reply(text, buttons=reply.buttons, attachment=attachment, markup=True)
    assert fits(marked) == []
    messages = render(marked)
    shown = []
    for outgoing in messages:
        method = "sendMessage" if outgoing.attachment is None else "sendPhoto"
        assert limit_violation(method, _params(outgoing)) is None
        if outgoing.text is not None and outgoing.text != "…":
            shown.append(parse_html(outgoing.text)[0])
    assert_pieces_of(visible(parse(text)), shown)


def test_fits_measures_the_parsed_text_and_finds_broken_html() -> None:
    assert shown_text("<b>a &amp; b</b>", HTML) == ("a & b", None, 1)
    assert shown_text("<b>a &amp; b</b>", None) == ("<b>a &amp; b</b>", None, 0)
    assert shown_text("<b>open", HTML).problem == "<b> is not closed"
    assert shown_text("<x>a</x>", HTML).problem == "unsupported tag <x>"
    assert shown_text("<b>a</i>", HTML).problem == "unmatched end tag </i>"
    # A reply whose HTML is longer than a message, but whose text is not: one message.
    reply = Reply("*" + "x" * 4000 + "*", markup=True)
    assert [len(o.text or "") for o in render(reply)] == [4007] and fits(reply) == []


async def test_marking_the_choice_keeps_the_questions_formatting(start_bot: StartBot) -> None:
    """After an answer button, the question shows "✓ choice": from the text and entities
    Telegram gave back, so the bold of the question stays bold."""
    bot = await start_bot()
    api = bot.api
    question_text = "*Kom je* naar de _vergadering_? <ja/nee> & [info](https://x.nl/?a=1&b=2)"
    _command(
        bot,
        "kom",
        Reply(question_text, buttons(Button("Ja & graag", "cv:test:q:yes")), markup=True),
    )
    mark = await bot.say(ALICE, "/kom")
    question = await api.reply(42, "Kom je", after=mark)
    mark = len(api.calls)
    api.press(ALICE, question, "cv:test:q:yes")
    (edit,) = await api.wait_for(lambda: api.sent(42, method="editMessageText", after=mark))
    assert edit.params["parse_mode"] == HTML
    assert edit.shown == question.shown + "\n\n✓ Ja & graag"
    assert [entity["type"] for entity in edit.entities] == ["bold", "italic", "text_link"]
    assert edit.entities == question.entities
    assert [call for call in api.calls if not call.ok] == []


def test_a_piece_keeps_every_entity_telegram_formats() -> None:
    """Telegram formats only the first 100 entities of a message: 300 bold words in a
    short text go out in pieces of at most 100, each formatted in full."""
    text = " ".join(f"*{n}*" for n in range(300))
    messages = render(Reply(text, markup=True))
    assert len(messages) >= 3
    assert all(
        parse_html(m.text or "")[1] and len(parse_html(m.text or "")[1]) <= MAX_ENTITIES
        for m in messages
    )
    assert fits(Reply(text, markup=True)) == []
    assert_pieces_of(visible(parse(text)), [parse_html(m.text or "")[0] for m in messages])


def test_a_text_of_long_links_stays_under_entities_too_long() -> None:
    url = "https://werkvereniging.nl/" + "a" * 900
    text = " ".join(f"[{n}]({url})" for n in range(40))  # short to read, 36,000 of HTML
    messages = render(Reply(text, markup=True))
    assert all(utf16_length(m.text or "") <= MAX_MARKED_UP for m in messages)
    assert all(limit_violation("sendMessage", _params(m)) is None for m in messages)
    assert fits(Reply(text, markup=True)) == []
    # The fake refuses what Telegram refuses: all of it in one message.
    one = {"chat_id": "42", "text": "".join(m.text or "" for m in messages), "parse_mode": HTML}
    assert limit_violation("sendMessage", one) == "Bad Request: ENTITIES_TOO_LONG"
