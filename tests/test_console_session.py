"""The scripted console session of the foundation issue, through the real `werkbot console`.

Two members register (Alice verified through a real local SMTP server), Alice links a
second console identity, exports and erases her data, and wrong input gets clean answers.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.support.console import ConsoleProcess, console_env, register_in_console
from tests.support.smtp import LocalSmtp


def test_scripted_console_session(tmp_path: Path) -> None:
    with LocalSmtp() as smtp:
        env = console_env(tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp.port), SMTP_SECURITY="none")
        console = ConsoleProcess(["console", "--user", "alice"], env, tmp_path)
        try:
            console.send("/start")
            console.expect(r"werkbot → alice: .*Werkbot")

            # Alice registers and confirms her e-mail with the code from the real mail.
            register_in_console(console, "alice", "Alice de Vries", "alice@example.org")
            console.expect(r"werkbot → alice: .*(stap 6 van 6|step 6 of 6)")
            mail = smtp.inbox.wait_for(1)[0]
            assert mail["To"] == "alice@example.org"
            code = re.search(r"\b(\d{6})\b", mail.get_payload()).group(1)
            console.send("999999" if code != "999999" else "000000")
            console.expect(r"werkbot → alice: .*(klopt niet|not right)")
            console.send(code)
            console.expect(r"werkbot → alice: (Welkom|Welcome), Alice de Vries")

            # Bob registers too (and does not confirm yet).
            register_in_console(console, "bob", "Bob Bakker", "bob@example.org")
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
        env=console_env(tmp_path),
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
