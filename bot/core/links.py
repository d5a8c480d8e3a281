"""Links that open a private chat with the bot and start it with a payload.

A QR code at the door of an event holds such a link (Telegram: ``https://t.me/<bot>?start=
ci-<code>``): door staff scan it with their phone and the bot checks the person in. The
bot's username is known only once the Telegram adapter has started, so the composition root
fills it in here; modules read it when they draw a code.
"""

from __future__ import annotations


class StartLinks:
    def __init__(self) -> None:
        self._telegram: str | None = None

    def set_telegram_username(self, username: str | None) -> None:
        self._telegram = username or None

    @property
    def telegram_username(self) -> str | None:
        return self._telegram
