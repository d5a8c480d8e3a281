"""Werkbot on Telegram, through python-telegram-bot."""

from __future__ import annotations

from bot.adapters.telegram._limits import Limits
from bot.adapters.telegram._webhook import WebhookOptions
from bot.adapters.telegram.adapter import (
    PLATFORM,
    TelegramAdapter,
    TelegramOptions,
    file_url_for,
)

__all__ = [
    "PLATFORM",
    "Limits",
    "TelegramAdapter",
    "TelegramOptions",
    "WebhookOptions",
    "file_url_for",
]
