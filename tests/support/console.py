"""The real `werkbot` process with a scripted console, for tests that need the whole program."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path


class ConsoleProcess:
    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=cwd,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def expect(self, pattern: str, timeout: float = 15.0) -> str:
        """Wait for an output line matching ``pattern``; returns it."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no line matching {pattern!r}; seen:\n" + "\n".join(self.seen[-30:]))
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            self.seen.append(line)
            if regex.search(line):
                return line

    def close(self) -> tuple[int, str]:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        code = self.proc.wait(timeout=30)
        assert self.proc.stderr is not None
        return code, self.proc.stderr.read()


def console_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_", "SMTP_"))}
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'werkbot.db'}",
        DATA_DIR=str(tmp_path / "data"),
        ORGANIZERS="console:olga",
        RATE_LIMIT_BURST="500",
        NO_PROXY="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def register_in_console(console: ConsoleProcess, user: str, name: str, email: str) -> None:
    console.send(f"@{user} /registreer")
    console.expect(rf"werkbot → {user}: .*(stap 1 van 6|step 1 of 6)")
    console.send(f"@{user} {name}")
    console.expect(rf"werkbot → {user}: .*(stap 2|step 2)")
    console.send(f"@{user} {email}")
    console.expect(r"\[1\] ")
    console.send(f"@{user} [1]")  # zzp
    console.expect(r"\[13\] ")
    console.send(f"@{user} [7]")  # Utrecht
    console.expect(r"\[1\] .*\[2\] ")
    console.send(f"@{user} [1]")  # consent
