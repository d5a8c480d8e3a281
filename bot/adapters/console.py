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
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO

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

Handle = Callable[[Incoming], Awaitable[list[Reply]]]


class ConsoleAdapter:
    platform = PLATFORM

    def __init__(
        self,
        handle: Handle,
        *,
        user: str = "console",
        files_dir: Path = Path("data/console"),
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        interactive: bool | None = None,
        language_hint: str | None = None,
    ) -> None:
        self._handle = handle
        self.default_user = user
        self._files_dir = files_dir
        self._stdin = stdin or sys.stdin
        self._stdout = stdout or sys.stdout
        self._interactive = self._stdin.isatty() if interactive is None else interactive
        self._language_hint = language_hint
        self._buttons: dict[str, list[Button]] = {}
        self._file_counter = 0

    # -- output ----------------------------------------------------------------------

    def _write(self, text: str) -> None:
        self._stdout.write(text + "\n")
        self._stdout.flush()

    async def send(self, chat: Chat, reply: Reply) -> None:
        """Print a reply for a console user (also used for messages nobody asked for)."""
        user = chat.chat_id
        lines = reply.text.splitlines() or [""]
        self._write(f"werkbot → {user}: {lines[0]}")
        for line in lines[1:]:
            self._write(f"  {line}")
        if reply.buttons:
            flat = reply.all_buttons
            self._buttons[user] = flat
            number = 1
            for row in reply.buttons:
                shown = []
                for button in row:
                    shown.append(f"[{number}] {button.label}")
                    number += 1
                self._write("  " + "  ".join(shown))
        if reply.attachment is not None:
            path = self._save(user, reply.attachment)
            self._write(f"  📎 {path}")

    def _save(self, user: str, attachment: Attachment) -> Path:
        self._files_dir.mkdir(parents=True, exist_ok=True)
        self._file_counter += 1
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", attachment.filename) or "file"
        path = self._files_dir / f"{user}-{self._file_counter:03d}-{safe}"
        path.write_bytes(attachment.data)
        return path

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
            latest = self._buttons.get(user, [])
            if not 1 <= number <= len(latest):
                self._write(f"(console: {user} has no button [{number}])")
                return
            event = ButtonPress(identity, chat, action=latest[number - 1].action)
        elif stripped.startswith("< "):
            path = Path(stripped[2:].strip())
            try:
                data = await asyncio.to_thread(_read_upload, path)
            except OSError as error:
                self._write(f"(console: cannot read {path}: {error.strerror or error})")
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


def _read_upload(path: Path) -> bytes:
    path = path.expanduser()
    if path.stat().st_size > MAX_UPLOAD:
        raise OSError(f"{path} is larger than 5 MB")
    return path.read_bytes()


def _read_interactive(prompt: str) -> str:
    try:
        import readline  # noqa: F401  (line editing and history for input())
    except ImportError:  # pragma: no cover - not on every platform
        pass
    return input(prompt)
