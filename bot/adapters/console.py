"""The console chat: the whole bot in a terminal, or scripted through a pipe.

Conventions (also in the README):

* every line is a message; ``/name args`` is a command;
* ``@alice text`` sends ``text`` as console user ``alice`` (default ``--user``);
* buttons print numbered, ``[1] Ja  [2] Nee``; a line ``[2]`` presses button 2 of the
  latest reply with buttons that user got;
* ``< path/to/file`` sends that file to the bot;
* files the bot sends are written to a folder and their path is printed.

With a pipe on stdin the console handles one line at a time, prints every reply and
exits at the end of the input once the replies are out.
"""

from __future__ import annotations

import asyncio
import logging
import re
import stat
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TextIO

from bot.core.cache import BoundedCache
from bot.core.markup import plain
from bot.core.types import (
    Attachment,
    Button,
    ButtonPress,
    Chat,
    FileUpload,
    Identity,
    Incoming,
    Reply,
    TextMessage,
)

log = logging.getLogger(__name__)

PLATFORM = "console"
USER_PATTERN = re.compile(r"^@([A-Za-z0-9_.-]{1,32})(?:\s+(.*))?$", re.DOTALL)
PRESS_PATTERN = re.compile(r"^\[(\d{1,3})\]$")
MAX_UPLOAD = 5 * 1024 * 1024
_REMEMBERED_USERS = 10_000
"""Console users (``@name``) whose latest buttons are kept; a script may invent many."""

Handle = Callable[[Incoming], Awaitable[list[Reply]]]
AccountsOf = Callable[[int], Awaitable[list[tuple[str, str]]]]


class UploadRefused(Exception):
    """A ``< path`` line that names something the console will not send."""


class ConsoleFiles:
    """The folder where the console writes what the bot sends, one name pattern per user.

    Exports of personal data land here (``/mijngegevens``), so erasure must find them
    again: every file starts with the console user's name.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._counter = 0

    @staticmethod
    def _safe(text: str) -> str:
        return re.sub(r"[^A-Za-z0-9_.-]", "_", text) or "file"

    def save(self, user: str, attachment: Attachment) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._counter += 1
        path = (
            self.folder
            / f"{self._safe(user)}-{self._counter:03d}-{self._safe(attachment.filename)}"
        )
        path.write_bytes(attachment.data)
        return path

    def written_for(self, user: str) -> list[Path]:
        if not self.folder.is_dir():
            return []
        prefix = f"{self._safe(user)}-"
        return sorted(
            path
            for path in self.folder.iterdir()
            if path.name.startswith(prefix) and path.name[len(prefix) : len(prefix) + 3].isdigit()
        )

    def remove_for(self, user: str) -> int:
        removed = 0
        for path in self.written_for(user):
            path.unlink(missing_ok=True)
            removed += 1
        return removed


class ConsoleExports:
    """The personal-data hook of the files the console wrote for a member's accounts."""

    name = "console_files"
    final = False

    def __init__(self, files: ConsoleFiles, accounts_of: AccountsOf) -> None:
        self._files = files
        self._accounts_of = accounts_of

    async def _users(self, member_id: int) -> list[str]:
        return [
            user for platform, user in await self._accounts_of(member_id) if platform == PLATFORM
        ]

    async def export(self, member_id: int) -> dict[str, Any]:
        users = await self._users(member_id)
        return {"files": [str(path) for user in users for path in self._files.written_for(user)]}

    async def erase(self, member_id: int) -> None:
        for user in await self._users(member_id):
            removed = await asyncio.to_thread(self._files.remove_for, user)
            if removed:
                log.info("removed %d console files of an erased member", removed)


class ConsoleAdapter:
    platform = PLATFORM

    def __init__(
        self,
        handle: Handle,
        *,
        user: str = "console",
        files: ConsoleFiles | None = None,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        interactive: bool | None = None,
        language_hint: str | None = None,
    ) -> None:
        self._handle = handle
        self.default_user = user
        self._files = files or ConsoleFiles(Path("data/console"))
        self._stdin = stdin or sys.stdin
        self._stdout = stdout or sys.stdout
        self._interactive = self._stdin.isatty() if interactive is None else interactive
        self._language_hint = language_hint
        self._printed = 0
        self._buttons: BoundedCache[str, list[Button]] = BoundedCache(_REMEMBERED_USERS)
        """The buttons of the latest reply per console user, for ``[n]`` presses."""

    # -- output ----------------------------------------------------------------------

    def _write(self, text: str) -> None:
        self._stdout.write(text + "\n")
        self._stdout.flush()

    async def send(self, chat: Chat, reply: Reply) -> str | None:
        """Print a reply for a console user (also used for messages nobody asked for); the
        number of the printed message."""
        self._printed += 1
        self._print(chat.chat_id, reply, f"werkbot → {chat.chat_id}: ")
        return str(self._printed)

    async def edit(self, chat: Chat, message_id: str, reply: Reply) -> bool:
        """A terminal cannot change what it printed: the new version is printed, marked."""
        self._print(chat.chat_id, reply, f"werkbot → {chat.chat_id} (#{message_id}, bijgewerkt): ")
        return True

    def _print(self, user: str, reply: Reply, head: str) -> None:
        # A terminal shows no bold or italics: markup prints as plain text, links as
        # "label (url)" (most terminals make the URL clickable).
        text = plain(reply.text) if reply.markup else reply.text
        lines = text.splitlines() or [""]
        self._write(f"{head}{lines[0]}")
        for line in lines[1:]:
            self._write(f"  {line}")
        if reply.buttons:
            flat = reply.all_buttons
            self._buttons.put(user, flat)
            number = 1
            for row in reply.buttons:
                shown = []
                for button in row:
                    link = f" ({button.url})" if button.url else ""
                    shown.append(f"[{number}] {button.label}{link}")
                    number += 1
                self._write("  " + "  ".join(shown))
        if reply.attachment is not None:
            path = self._files.save(user, reply.attachment)
            self._write(f"  📎 {path}")

    # -- input -----------------------------------------------------------------------

    def _identity(self, user: str) -> Identity:
        return Identity(PLATFORM, user, display_name=user, language_hint=self._language_hint)

    async def handle_line(self, line: str) -> None:
        """Handle one typed line by the conventions above and print the replies."""
        text = line.rstrip("\r\n")
        if not text.strip():
            return
        user = self.default_user
        match = USER_PATTERN.match(text.strip())
        if match:
            user, text = match.group(1), match.group(2) or ""
            if not text.strip():
                return
        chat = Chat(PLATFORM, user, is_private=True)
        identity = self._identity(user)
        stripped = text.strip()
        event: Incoming
        press = PRESS_PATTERN.match(stripped)
        if press:
            number = int(press.group(1))
            latest = self._buttons.get(user) or []
            if not 1 <= number <= len(latest):
                self._write(f"(console: {user} has no button [{number}])")
                return
            event = ButtonPress(identity, chat, action=latest[number - 1].action)
        elif stripped.startswith("< "):
            named = stripped[2:].strip()
            try:
                path, data = await asyncio.to_thread(_read_upload, named)
            except UploadRefused as refused:
                self._write(f"(console: cannot send {named}: {refused})")
                return
            event = FileUpload(identity, chat, attachment=Attachment(path.name, data))
        else:
            event = TextMessage(identity, chat, text=text)
        for reply in await self._handle(event):
            await self.send(chat, reply)

    async def run(self) -> None:
        """Read until the end of input (Ctrl-D) and answer every line."""
        loop = asyncio.get_running_loop()
        if self._interactive:
            self._write(
                f"Werkbot console — you are '{self.default_user}'. Type /start or /hulp; "
                "'@name text' speaks as another user, '[1]' presses a button, Ctrl-D ends."
            )
        while True:
            if self._interactive:
                prompt = f"{self.default_user}> "
                try:
                    line = await loop.run_in_executor(None, _read_interactive, prompt)
                except EOFError:
                    self._write("")
                    return
            else:
                line = await loop.run_in_executor(None, self._stdin.readline)
                if line == "":
                    return
            try:
                await self.handle_line(line)
            except Exception:  # the console must survive anything a line does
                log.exception("console line failed")


def _read_upload(named: str) -> tuple[Path, bytes]:
    """Read a file for ``< path``: a regular file of at most 5 MB, read no further than that.

    ``/dev/zero`` reports size 0 and never ends, a FIFO blocks on open, ``~nosuchuser``
    cannot be expanded: each is refused with a reason instead of hanging or crashing.
    """
    try:
        path = Path(named).expanduser()
    except RuntimeError:  # ~user that does not exist
        raise UploadRefused("no such user's home folder") from None
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise UploadRefused("not a regular file")
        with path.open("rb") as handle:
            data = handle.read(MAX_UPLOAD + 1)
    except OSError as error:
        raise UploadRefused(error.strerror or str(error)) from None
    if len(data) > MAX_UPLOAD:
        raise UploadRefused("larger than 5 MB")
    return path, data


def _read_interactive(prompt: str) -> str:
    try:
        import readline  # noqa: F401  (line editing and history for input())
    except ImportError:  # pragma: no cover - not on every platform
        pass
    return input(prompt)
