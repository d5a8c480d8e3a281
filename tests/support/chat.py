"""A test chat on the real core, in the spirit of errbot's test backend.

It sends neutral events through the router exactly as an adapter would and records what
comes back, plus anything delivered to its platform without a request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core.router import Router
from bot.core.types import (
    Attachment,
    Button,
    ButtonPress,
    Chat,
    FileUpload,
    Identity,
    Reply,
    TextMessage,
)


@dataclass
class RecordingChat:
    router: Router
    platform: str = "console"
    language_hint: str | None = None
    delivered: list[tuple[Chat, Reply]] = field(default_factory=list)
    edits: list[tuple[Chat, str, Reply]] = field(default_factory=list)
    latest_buttons: dict[str, list[Button]] = field(default_factory=dict)

    async def send(self, chat: Chat, reply: Reply) -> str | None:
        """The Sender side: messages nobody asked for (deliveries); the index is the id."""
        self.delivered.append((chat, reply))
        return str(len(self.delivered) - 1)

    async def edit(self, chat: Chat, message_id: str, reply: Reply) -> bool:
        """An edit replaces the delivered message in place (and is remembered as one)."""
        self.delivered[int(message_id)] = (chat, reply)
        self.edits.append((chat, message_id, reply))
        return True

    def _identity(self, user: str) -> Identity:
        return Identity(self.platform, user, display_name=user, language_hint=self.language_hint)

    def _remember(self, user: str, replies: list[Reply]) -> list[Reply]:
        for reply in replies:
            if reply.buttons:
                self.latest_buttons[user] = reply.all_buttons
        return replies

    async def say(self, user: str, text: str, *, group: str | None = None) -> list[Reply]:
        chat = Chat(self.platform, group or user, is_private=group is None)
        return self._remember(
            user, await self.router.handle(TextMessage(self._identity(user), chat, text=text))
        )

    async def press(self, user: str, which: int | str) -> list[Reply]:
        """Press button number ``which`` (1-based) of the latest buttons, or an action string."""
        if isinstance(which, int):
            action = self.latest_buttons[user][which - 1].action
        else:
            action = which
        chat = Chat(self.platform, user, is_private=True)
        event = ButtonPress(self._identity(user), chat, action=action)
        return self._remember(user, await self.router.handle(event))

    async def upload(self, user: str, name: str, data: bytes) -> list[Reply]:
        chat = Chat(self.platform, user, is_private=True)
        event = FileUpload(self._identity(user), chat, attachment=Attachment(name, data))
        return self._remember(user, await self.router.handle(event))


def text_of(replies: list[Reply]) -> str:
    return "\n".join(reply.text for reply in replies)


def code_in(text: str) -> str:
    found = re.search(r"\b(\d{6})\b", text)
    assert found, f"no 6-digit code in {text!r}"
    return found.group(1)


async def fill_in_registration(
    chat: RecordingChat,
    user: str,
    name: str,
    email: str,
    *,
    work: int = 1,
    province: int = 7,
) -> list[Reply]:
    """Walk the registration conversation up to and including consent; the last replies
    (the code step, or what went wrong sending it)."""
    await chat.say(user, "/registreer")
    await chat.say(user, name)
    await chat.say(user, email)
    await chat.press(user, work)
    await chat.press(user, province)
    return await chat.press(user, 1)

