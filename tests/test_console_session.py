"""The scripted console session of the foundation issue, through the real `werkbot console`.

Two members register (Alice verified through a real local SMTP server), Alice links a
second console identity, exports and erases her data, and wrong input gets clean answers.
"""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.support.smtp import LocalSmtp


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


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
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


def _register(console: ConsoleProcess, user: str, name: str, email: str) -> None:
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


def test_scripted_console_session(tmp_path: Path) -> None:
    with LocalSmtp() as smtp:
        env = _env(tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp.port), SMTP_SECURITY="none")
        console = ConsoleProcess(["console", "--user", "alice"], env, tmp_path)
        try:
            console.send("/start")
            console.expect(r"werkbot → alice: .*Werkbot")

            # Alice registers and confirms her e-mail with the code from the real mail.
            _register(console, "alice", "Alice de Vries", "alice@example.org")
            console.expect(r"werkbot → alice: .*(stap 6 van 6|step 6 of 6)")
            mail = smtp.inbox.wait_for(1)[0]
            assert mail["To"] == "alice@example.org"
            code = re.search(r"\b(\d{6})\b", mail.get_payload()).group(1)
            console.send("999999" if code != "999999" else "000000")
            console.expect(r"werkbot → alice: .*(klopt niet|not right)")
            console.send(code)
            console.expect(r"werkbot → alice: (Welkom|Welcome), Alice de Vries")

            # Bob registers too (and does not confirm yet).
            _register(console, "bob", "Bob Bakker", "bob@example.org")
            console.expect(r"werkbot → bob: .*(stap 6 van 6|step 6 of 6)")
            assert smtp.inbox.wait_for(2)[1]["To"] == "bob@example.org"

            # Clean answers to wrong input.
            console.send("/onzin")
            console.expect(r"werkbot → alice: .*/onzin")
            console.send("/taal fr")
            console.expect(r"werkbot → alice: 'fr' .*(nl, en)")
            console.send("/leden")
            console.expect(r"werkbot → alice: .*(organisatoren|organizers)")
            console.send("@olga /leden")
            console.expect(r"werkbot → olga: .*(Leden|Members)")
            console.expect(r"1\. Alice de Vries")

            # Alice links a second identity with a one-time code.
            console.send("/koppel")
            line = console.expect(r"werkbot → alice: .*[A-Z0-9]{4}-[A-Z0-9]{4}")
            link_code = re.search(r"([A-Z0-9]{4}-[A-Z0-9]{4})", line).group(1)
            console.send(f"@alice-laptop /koppel {link_code}")
            console.expect(r"werkbot → alice-laptop: .*Alice de Vries")
            console.send(f"@carol /koppel {link_code}")  # used codes do not work twice
            console.expect(r"werkbot → carol: .*(onbekend|unknown)")
            console.send("@alice-laptop /profiel")
            console.expect(r"werkbot → alice-laptop: .*(lidnummer|member number) 1")

            # Export, then erase.
            console.send("/mijngegevens")
            path_line = console.expect(r"📎 ")
            exported = json.loads(Path(tmp_path, path_line.split("📎 ", 1)[1].strip()).read_text())
            assert exported["members"]["member"]["email"] == "alice@example.org"
            assert {a["user_id"] for a in exported["members"]["accounts"]} == {"alice", "alice-laptop"}
            console.send("/vergeetmij")
            console.expect(r"\[1\] .*\[2\] ")
            console.send("[1]")
            console.expect(r"werkbot → alice: .*(gewist|erased)")
            console.send("@alice-laptop /profiel")
            console.expect(r"werkbot → alice-laptop: .*/registreer")
        finally:
            code, stderr = console.close()
        assert code == 0, stderr
        assert "Traceback" not in "\n".join(console.seen)
    database = (tmp_path / "werkbot.db").read_bytes() + (
        (tmp_path / "werkbot.db-wal").read_bytes() if (tmp_path / "werkbot.db-wal").exists() else b""
    )
    assert b"bob@example.org" in database
    assert b"Bob Bakker" in database
    # Alice's erasure left nothing behind: not in the tables, not in free pages, not in the WAL.
    assert b"alice@example.org" not in database
    assert b"Alice de Vries" not in database


def test_piped_session_exits_at_end_of_input(tmp_path: Path) -> None:
    script = "/start\n[2]\n@dave /hulp\n/taal en\n/hulp\n"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input=script,
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "werkbot → console:" in out
    assert "[1] " in out and "[2] " in out  # numbered buttons
    assert "werkbot → dave:" in out
    assert "/help  (/hulp)" in out  # English after /taal en
    assert "DEVELOPMENT MODE" in result.stderr
