"""Links only a platform knows how to make, filled in by the adapters once they run.

A QR code at the door of an event holds a link that opens a private chat with the bot and
starts it with a payload (``/start ci-<code>``); an introduction on the Platform names the
accounts people can be reached at. How such a link looks is the platform's business
(Telegram: ``https://t.me/<bot>?start=…``, known only once the adapter has asked Telegram
for the bot's name), so the adapters hand their link makers in here
(``bot.platforms.attach_links``) and modules ask without knowing any platform.
"""

from __future__ import annotations

from collections.abc import Callable

StartLink = Callable[[str], str | None]
"""A start payload (letters, digits, ``_``, ``-``) → a link that opens the bot with it."""
AccountLink = Callable[[str], str]
"""A user id → how people reach that account (a link or a mention)."""


class Links:
    def __init__(self) -> None:
        self._start: StartLink | None = None
        self._accounts: dict[str, AccountLink] = {}

    def attach(
        self, platform: str, *, start: StartLink | None = None, account: AccountLink | None = None
    ) -> None:
        if start is not None:
            self._start = start
        if account is not None:
            self._accounts[platform] = account

    def start(self, payload: str) -> str | None:
        """A link that opens the bot with ``/start <payload>``; None without such a platform."""
        return None if self._start is None else self._start(payload)

    def account(self, platform: str, user_id: str) -> str | None:
        """How people reach an account; None where its platform gives no way (the console)."""
        maker = self._accounts.get(platform)
        return maker(user_id) if maker is not None else None
