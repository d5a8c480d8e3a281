"""Neutral replies in Telegram's shapes: inline keyboards, deep links, chunks of text.

Everything a reply becomes on Telegram is decided here, by pure functions: :func:`render`
turns a :class:`~bot.core.types.Reply` into the messages the adapter sends, and
:func:`fits` checks those same messages against Telegram's limits, so a test that calls
``fits`` checks exactly what would be sent. Texts are measured as Telegram measures them,
in UTF-16 code units (see ``_text``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import InlineKeyboardButtonLimit, InlineKeyboardMarkupLimit, MessageLimit

from bot.adapters._text import Measure, split, utf16_length
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


@dataclass(frozen=True)
class Outgoing:
    """One message a reply becomes: text, or a file with an optional caption."""

    text: str | None
    """The message text; for a file its caption, None for none."""
    attachment: Attachment | None = None
    markup: InlineKeyboardMarkup | None = None


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


def render(reply: Reply) -> list[Outgoing]:
    """The messages ``reply`` becomes, in order; the keyboard goes on the last one.

    With a file, the last piece of text becomes its caption when it is short enough;
    otherwise all text goes ahead as messages and the file follows without caption.
    """
    markup = keyboard(reply.buttons)
    texts = chunks(reply.text)
    if reply.attachment is not None:
        caption = texts.pop() if texts and fits_text(texts[-1], MAX_CAPTION) else None
        return [*(Outgoing(text) for text in texts), Outgoing(caption, reply.attachment, markup)]
    if not texts:
        return [Outgoing(PLACEHOLDER, markup=markup)] if markup is not None else []
    *before, last = texts
    return [*(Outgoing(text) for text in before), Outgoing(last, markup=markup)]


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
        text = (message.text or "").strip()
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
