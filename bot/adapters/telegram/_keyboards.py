"""Neutral buttons and texts in Telegram's shapes: inline keyboards, deep links, chunks."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import MessageLimit

from bot.core.types import Button

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH  # 4096
MAX_CAPTION = MessageLimit.CAPTION_LENGTH  # 1024
_PAYLOAD = re.compile(r"[^A-Za-z0-9_-]")


def keyboard(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """An inline keyboard whose callback data are the core's action strings (≤ 64 bytes)."""
    built = [
        [
            InlineKeyboardButton(button.label, url=button.url)
            if button.url
            else InlineKeyboardButton(button.label, callback_data=button.action)
            for button in row
        ]
        for row in rows
        if row
    ]
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
    """Split a long text into messages Telegram accepts, at line breaks where possible."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n")
    if rest.strip():
        parts.append(rest)
    return parts
