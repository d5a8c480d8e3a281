"""The neutral types, defined once: who, where, what came in, and what goes out.

Adapters turn platform events into these and these back into platform messages; cogs
see nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


class Role(IntEnum):
    """What a caller may do; each role includes the ones below it."""

    GUEST = 0
    MEMBER = 10
    OPJUTTER = 20
    ORGANIZER = 30
    ADMIN = 40

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Identity:
    """A platform account. ``display_name`` is for greetings only, never for identity."""

    platform: str
    user_id: str
    display_name: str | None = None
    language_hint: str | None = None
    platform_roles: frozenset[str] = frozenset()

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True)
class Chat:
    """Where a message came from; ``is_private`` is a one-to-one chat with the bot."""

    platform: str
    chat_id: str
    is_private: bool = True


@dataclass(frozen=True)
class Caller:
    """Who is calling, as the member directory resolved it."""

    member_id: int | None
    role: Role
    language: str
    name: str | None = None
    verified: bool = False
    kind: str | None = None

    @property
    def is_member(self) -> bool:
        return self.member_id is not None


@dataclass(frozen=True)
class Button:
    """A button; ``action`` is a short string such as ``rsvp:yes:42`` (at most 64 bytes).

    A button with ``url`` opens a link instead (e.g. a deep link into a private chat).
    """

    label: str
    action: str = ""
    url: str | None = None

    def __post_init__(self) -> None:
        if len(self.action.encode()) > 64:
            raise ValueError(f"button action longer than 64 bytes: {self.action!r}")
        if not self.action and not self.url:
            raise ValueError("a button needs an action or a url")


@dataclass(frozen=True)
class Attachment:
    """A file the bot sends or receives."""

    filename: str
    data: bytes
    mime_type: str = "application/octet-stream"

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")


@dataclass(frozen=True)
class Reply:
    """What a handler answers.

    ``private`` asks for a reply only the caller sees (a direct message or an ephemeral
    reply); ``replace`` lets an adapter edit the message whose button was pressed
    instead of sending a new one.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    attachment: Attachment | None = None
    private: bool = False
    replace: bool = False
    continue_privately: str | None = None
    """Set when a personal command came from a group: the command to continue privately."""
    expects_text: bool = False
    """A question that waits for a typed answer (an adapter may offer a text box for it)."""
    refusal: bool = False
    """The input was refused (a member's mistake, a role, an old button): nothing changed."""
    markup: bool = False
    """``text`` uses Werkbot's light markup (``*bold*``, ``_italic_``, ``[label](https://…)``),
    which each adapter renders its platform's way (``bot.core.markup``); off, the text is
    shown exactly as it is."""

    @property
    def all_buttons(self) -> list[Button]:
        return [button for row in self.buttons for button in row]


def buttons(*rows: list[Button] | tuple[Button, ...] | Button) -> tuple[tuple[Button, ...], ...]:
    """Build a keyboard: each argument is a row, or a single button on a row of its own."""
    built: list[tuple[Button, ...]] = []
    for row in rows:
        built.append((row,) if isinstance(row, Button) else tuple(row))
    return tuple(built)


def in_rows(items: list[Button], per_row: int) -> tuple[tuple[Button, ...], ...]:
    """Buttons laid out ``per_row`` to a row (a menu of choices)."""
    return tuple(tuple(items[i : i + per_row]) for i in range(0, len(items), per_row))


@dataclass(frozen=True)
class Incoming:
    """Base of everything that comes in from a platform."""

    identity: Identity
    chat: Chat


@dataclass(frozen=True)
class TextMessage(Incoming):
    """Text typed by a user; ``/name args`` text is parsed as a command by the router."""

    text: str = ""


@dataclass(frozen=True)
class CommandCall(Incoming):
    """A command; either ``raw_args`` (text to parse) or ``args`` (already typed, e.g. Discord)."""

    name: str = ""
    raw_args: str | None = None
    args: dict[str, Any] | None = None


@dataclass(frozen=True)
class ButtonPress(Incoming):
    """A button pressed; ``message_id`` is the platform's id of the message that carried it."""

    action: str = ""
    message_id: str | None = None


@dataclass(frozen=True)
class FileUpload(Incoming):
    """A file sent to the bot, already downloaded by the adapter."""

    attachment: Attachment = field(default_factory=lambda: Attachment("", b""))
    caption: str | None = None
