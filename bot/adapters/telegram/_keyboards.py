"""Neutral replies in Telegram's shapes: inline keyboards, deep links, chunks of text.

Everything a reply becomes on Telegram is decided here, by pure functions: :func:`render`
turns a :class:`~bot.core.types.Reply` into the messages the adapter sends, and
:func:`fits` checks those same messages against Telegram's limits, so a test that calls
``fits`` checks exactly what would be sent. Texts are measured as Telegram measures them,
in UTF-16 code units (see ``_text``).

A reply in Werkbot's markup (``Reply.markup``) goes out as Telegram HTML
(``parse_mode=HTML``). Telegram's limits count the text *after* it parsed the tags, so
such a text is cut on its visible text, and every piece is rendered on its own: a cut
never falls inside a tag, and each piece closes and reopens its styles.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import NamedTuple

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import InlineKeyboardButtonLimit, InlineKeyboardMarkupLimit, MessageLimit

from bot.adapters._text import Measure, split, split_spans, utf16_length
from bot.core.markup import Span, parse, to_telegram_html, visible
from bot.core.types import Attachment, Button, Reply

log = logging.getLogger(__name__)

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH  # 4096 UTF-16 code units
MAX_CAPTION = MessageLimit.CAPTION_LENGTH  # 1024 UTF-16 code units
MAX_CALLBACK_DATA = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA  # 64 bytes
MAX_BUTTONS = InlineKeyboardMarkupLimit.TOTAL_BUTTON_NUMBER  # 100 (undocumented by Telegram)
MAX_PER_ROW = InlineKeyboardMarkupLimit.BUTTONS_PER_ROW  # 8 (undocumented by Telegram)
PLACEHOLDER = "…"
"""Stands in for an empty button label, and for the text of a keyboard without text:
Telegram refuses both empty, and a keyboard needs a message to sit on."""
_PAYLOAD = re.compile(r"[^A-Za-z0-9_-]")
HTML = "HTML"
"""Telegram's ``parse_mode`` for a text in its HTML subset."""
MAX_ENTITIES = 100
"""Telegram formats the first 100 entities of a message (bold, italic, links …) and
silently drops the rest (tdlib/telegram-bot-api#820, rubenlagus/TelegramBots#854)."""
MAX_MARKED_UP = 8000
"""UTF-16 units of HTML per message: beyond about 9,500 characters of text with its
entities Telegram answers ENTITIES_TOO_LONG (tdlib/telegram-bot-api#165, "a good
approximation" by Telegram's levlam), e.g. for a text of long links; kept well under."""
_TELEGRAM_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre"}
    | {"span", "tg-spoiler", "tg-emoji", "blockquote"}
)


@dataclass(frozen=True)
class Outgoing:
    """One message a reply becomes: text, or a file with an optional caption."""

    text: str | None
    """The message text; for a file its caption, None for none."""
    attachment: Attachment | None = None
    markup: InlineKeyboardMarkup | None = None
    parse_mode: str | None = None
    """``HTML`` for a reply in markup; None: the text is shown exactly as it is."""


def fits_text(text: str, limit: int = MAX_TEXT) -> bool:
    """Would Telegram take ``text`` as one message (or caption, with its limit)?"""
    return 0 < utf16_length(text.strip()) <= limit


def _button(button: Button) -> InlineKeyboardButton:
    label = button.label.strip() or PLACEHOLDER
    if button.url:
        return InlineKeyboardButton(label, url=button.url)
    return InlineKeyboardButton(label, callback_data=button.action)


def keyboard(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """An inline keyboard whose callback data are the core's action strings (≤ 64 bytes).

    A row wider than Telegram shows (8) continues on the next row; beyond 100 buttons
    the rest is left out (logged), as Telegram would refuse the whole message.
    """
    built: list[list[InlineKeyboardButton]] = []
    count = 0
    for row in rows:
        for start in range(0, len(row), MAX_PER_ROW):
            piece = [_button(button) for button in row[start : start + MAX_PER_ROW]]
            piece = piece[: MAX_BUTTONS - count]
            if piece:
                built.append(piece)
                count += len(piece)
    left_out = sum(map(len, rows)) - count
    if left_out:
        log.warning("Telegram takes at most %d buttons; %d left out", MAX_BUTTONS, left_out)
    return InlineKeyboardMarkup(built) if built else None


_USERNAME = re.compile(r"[A-Za-z0-9_]{5,32}")
_START_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")


def start_link(username: str | None, payload: str) -> str | None:
    """``https://t.me/<bot>?start=<payload>`` exactly, or None without a bot name.

    Telegram passes the payload only when it is at most 64 characters of A-Z a-z 0-9 _ -;
    another one arrives as a bare ``/start``, so a payload that would be changed (or a
    name that is not a bot's) raises ValueError instead of making a link that fails later.
    """
    if username is None or not username.strip():
        return None
    name = username.strip().removeprefix("@")
    if not _USERNAME.fullmatch(name):
        raise ValueError(f"not a Telegram username: {username!r}")
    if not _START_PAYLOAD.fullmatch(payload):
        raise ValueError("the start payload does not fit Telegram's limits")
    return f"https://t.me/{name}?start={payload}"


def account_link(user_id: str) -> str:
    """A Telegram account as a link that opens a chat with it."""
    return f"Telegram: tg://user?id={user_id}"


def deep_link(username: str | None, payload: str | None = None) -> str:
    """``https://t.me/<bot>?start=<payload>``: opens the private chat and sends /start payload."""
    base = f"https://t.me/{username or ''}"
    if not payload:
        return base
    cleaned = _PAYLOAD.sub("", payload)[:64]
    return f"{base}?start={cleaned}" if cleaned else base


def label_of(markup: InlineKeyboardMarkup | None, action: str) -> str | None:
    """The label of the button that carried ``action`` in a message's keyboard."""
    if markup is None:
        return None
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == action:
                return button.text
    return None


def chunks(text: str, limit: int = MAX_TEXT) -> list[str]:
    """A long text as messages Telegram accepts: each at most ``limit`` UTF-16 units, cut
    at line breaks, else at spaces, never inside a character; none empty."""
    return split(text, limit, Measure.UTF16_UNITS)


def _entity_count(html: str) -> int:
    """Entities in HTML that :func:`to_telegram_html` wrote (its text has no ``<``)."""
    return html.count("<b>") + html.count("<i>") + html.count("<a ")


def _size(piece: list[Span]) -> int:
    """A piece's size for Telegram, scaled to :data:`MAX_TEXT`: at most that when its
    shown text fits, it has at most 100 entities and its HTML is not too long; beyond,
    in proportion, so the splitter knows how much shorter to cut."""
    html = to_telegram_html(piece)
    return max(
        utf16_length(visible(piece)),
        -(-_entity_count(html) * MAX_TEXT // MAX_ENTITIES),
        -(-utf16_length(html) * MAX_TEXT // MAX_MARKED_UP),
    )


def _texts(reply: Reply) -> list[tuple[str, str]]:
    """The reply's text as pieces that fit one message: (what is sent, what shows)."""
    if not reply.markup:
        return [(text, text) for text in chunks(reply.text)]
    pieces = split_spans(parse(reply.text), MAX_TEXT, Measure.UTF16_UNITS, _size)
    return [(to_telegram_html(piece), visible(piece)) for piece in pieces]


def render(reply: Reply) -> list[Outgoing]:
    """The messages ``reply`` becomes, in order; the keyboard goes on the last one.

    With a file, the last piece of text becomes its caption when it is short enough;
    otherwise all text goes ahead as messages and the file follows without caption.
    """
    markup = keyboard(reply.buttons)
    mode = HTML if reply.markup else None
    texts = _texts(reply)
    if reply.attachment is not None:
        caption: str | None = None
        if texts and fits_text(texts[-1][1], MAX_CAPTION):
            caption = texts.pop()[0]
        return [
            *(Outgoing(text, parse_mode=mode) for text, _shown in texts),
            Outgoing(caption, reply.attachment, markup, mode if caption else None),
        ]
    if not texts:
        return [Outgoing(PLACEHOLDER, markup=markup)] if markup is not None else []
    *before, (last, _shown) = texts
    return [
        *(Outgoing(text, parse_mode=mode) for text, _shown in before),
        Outgoing(last, markup=markup, parse_mode=mode),
    ]


class Parsed(NamedTuple):
    """A text as Telegram reads it."""

    shown: str
    """What shows: its length is what Telegram's limits count."""
    problem: str | None
    """Why Telegram would refuse to parse it, if it would."""
    entities: int = 0
    """How many entities (tags) it has."""


class _Entities(HTMLParser):
    """Reads Telegram HTML as Telegram does, for measuring: the text that remains after
    the tags, and whether every tag is one Telegram knows and is closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.shown: list[str] = []
        self.open: list[str] = []
        self.problem: str | None = None
        self.entities = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _TELEGRAM_TAGS:
            self.problem = self.problem or f"unsupported tag <{tag}>"
        self.open.append(tag)
        self.entities += 1

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problem = self.problem or f"unmatched end tag </{tag}>"
        else:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        self.shown.append(data)


def shown_text(text: str, parse_mode: str | None) -> Parsed:
    """What Telegram shows of ``text`` sent with ``parse_mode``."""
    if parse_mode != HTML:
        return Parsed(text, None)
    reader = _Entities()
    reader.feed(text)
    reader.close()
    problem = reader.problem
    if problem is None and reader.open:
        problem = f"<{reader.open[-1]}> is not closed"
    return Parsed("".join(reader.shown), problem, reader.entities)


def _markup_problems(markup: InlineKeyboardMarkup | None, where: str) -> list[str]:
    if markup is None:
        return []
    problems: list[str] = []
    buttons = [button for row in markup.inline_keyboard for button in row]
    if len(buttons) > MAX_BUTTONS:
        problems.append(f"{where}: {len(buttons)} buttons, Telegram takes {MAX_BUTTONS}")
    for row in markup.inline_keyboard:
        if len(row) > MAX_PER_ROW:
            problems.append(f"{where}: a row of {len(row)} buttons, at most {MAX_PER_ROW}")
    for button in buttons:
        if not button.text.strip():
            problems.append(f"{where}: a button without a label")
        if button.url is not None:
            if not button.url.strip():
                problems.append(f"{where}: button {button.text!r} has an empty link")
            continue
        data = str(button.callback_data or "").encode("utf-8", "surrogatepass")
        if not 1 <= len(data) <= MAX_CALLBACK_DATA:
            problems.append(
                f"{where}: button {button.text!r} carries {len(data)} bytes of callback data "
                f"(1 to {MAX_CALLBACK_DATA})"
            )
    return problems


def fits(reply: Reply) -> list[str]:
    """What Telegram would refuse, or what would not arrive, when ``reply`` is sent; an
    empty list when it fits. Checks the messages :func:`render` makes, which are exactly
    the messages the adapter sends."""
    messages = render(reply)
    if not messages:
        return ["the reply has no text, file or buttons: nothing would be sent"]
    left_out = len(reply.all_buttons) - sum(
        len(row) for message in messages if message.markup for row in message.markup.inline_keyboard
    )
    problems = [f"{left_out} buttons would be left out"] if left_out > 0 else []
    for number, message in enumerate(messages, start=1):
        where = f"message {number} of {len(messages)}"
        parsed = shown_text(message.text or "", message.parse_mode)
        text = parsed.shown.strip()
        if parsed.problem is not None:
            problems.append(f"{where}: Telegram cannot parse the entities: {parsed.problem}")
        if parsed.entities > MAX_ENTITIES:
            problems.append(f"{where}: {parsed.entities} entities, Telegram formats {MAX_ENTITIES}")
        if message.parse_mode and utf16_length(message.text or "") > MAX_MARKED_UP:
            problems.append(
                f"{where}: {utf16_length(message.text or '')} units of HTML, "
                f"at most {MAX_MARKED_UP}"
            )
        if message.attachment is None:
            if not text:
                problems.append(f"{where}: empty text")
            elif utf16_length(text) > MAX_TEXT:
                problems.append(f"{where}: {utf16_length(text)} UTF-16 units, at most {MAX_TEXT}")
        elif utf16_length(text) > MAX_CAPTION:
            problems.append(
                f"{where}: caption of {utf16_length(text)} units, at most {MAX_CAPTION}"
            )
        problems += _markup_problems(message.markup, where)
    return problems
