"""Messages that leave without a request: to a member on any platform, or to a chat.

Scheduled jobs and services that tell someone else something (e.g. "your account was
linked") return :class:`Outbound` items; :class:`Delivery` renders each in the
recipient's language and hands it to the adapter of the recipient's platform.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.core.directory import MemberDirectory
from bot.core.i18n import language
from bot.core.types import Chat, Reply

log = logging.getLogger(__name__)

Render = Callable[[], Reply | Sequence[Reply]]


class Unreachable(Exception):
    """Raised by a sender when the recipient blocked the bot or closed private messages."""


class Sender(Protocol):
    """The one thing delivery needs from an adapter."""

    platform: str

    async def send(self, chat: Chat, reply: Reply) -> str | None:
        """Send; the platform's id of the (last) message sent, where it has one."""
        ...


@runtime_checkable
class Editor(Protocol):
    """An adapter that can change a message it sent (a progress report, edited in place)."""

    async def edit(self, chat: Chat, message_id: str, reply: Reply) -> bool:
        """True when the message was changed (False: send a new one instead)."""
        ...


@runtime_checkable
class WholeSender(Protocol):
    """A sender for which replies that belong together are one message (e-mail: one mail
    with every text and file, not one mail per reply)."""

    async def send_all(self, chat: Chat, replies: Sequence[Reply]) -> str | None: ...


@dataclass(frozen=True)
class Outbound:
    """A message for a member (any platform) or for one chat; ``render`` runs per language."""

    render: Render
    member_id: int | None = None
    chat: Chat | None = None
    language: str | None = None


class Delivery:
    def __init__(self, directory: MemberDirectory) -> None:
        self._directory = directory
        self._senders: dict[str, Sender] = {}

    def attach(self, sender: Sender) -> None:
        self._senders[sender.platform] = sender

    def detach(self, platform: str) -> None:
        self._senders.pop(platform, None)

    @property
    def platforms(self) -> list[str]:
        return list(self._senders)

    def sender(self, platform: str) -> Sender | None:
        return self._senders.get(platform)

    async def deliver(self, outbound: Outbound) -> bool:
        """Send one message; True when some adapter took it."""
        if outbound.chat is not None:
            sender = self._senders.get(outbound.chat.platform)
            if sender is None:
                return False
            return await self._send(sender, outbound.chat, outbound.render, outbound.language)
        if outbound.member_id is None:
            raise ValueError("an Outbound needs a member_id or a chat")
        lang, accounts = await self._directory.contact_points(outbound.member_id)
        for platform, user_id in accounts:
            sender = self._senders.get(platform)
            if sender is None:
                continue
            chat = Chat(platform, user_id, is_private=True)
            try:
                if await self._send(sender, chat, outbound.render, lang):
                    return True
            except Unreachable:
                log.info("member %s unreachable on %s", outbound.member_id, platform)
                await self._directory.mark_unreachable(platform, user_id)
        return False

    async def deliver_all(self, items: Sequence[Outbound]) -> int:
        sent = 0
        for item in items:
            try:
                sent += await self.deliver(item)
            except Exception:
                log.exception("delivery failed")
        return sent

    async def _send(self, sender: Sender, chat: Chat, render: Render, lang: str | None) -> bool:
        with language(lang):
            rendered = render()
        replies = [rendered] if isinstance(rendered, Reply) else list(rendered)
        for reply in replies:
            await sender.send(chat, reply)
        return True
