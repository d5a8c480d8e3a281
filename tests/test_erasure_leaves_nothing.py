"""Erasure and abandoned registrations leave no personal value in the database's files.

SQLite in WAL mode keeps earlier page images in ``-wal`` until a checkpoint moves the
new pages into the file and empties the log. A second connection that holds a read
transaction (as a backup tool does) blocks that; the scrub must notice, retry, and
finish once the reader leaves, also when the process was killed in between.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine

from bot.app import Werkbot
from storage.types import utcnow
from tests.support.chat import RecordingChat, code_in, fill_in_registration, text_of
from tests.support.console import ConsoleProcess, console_env, register_in_console

NAME = "Zoe Qwertyuiop"
EMAIL = "zoe.qwertyuiop@example.org"


def database_bytes(path: Path) -> bytes:
    """The database file, its write-ahead log and its shared-memory index, as stored.

    Read by another process: closing a file descriptor of the database in this process
    would drop every POSIX lock this process holds on it (SQLite's own included).
    """
    parts = [f"{path}{suffix}" for suffix in ("", "-wal", "-shm")]
    existing = [part for part in parts if Path(part).exists()]
    return subprocess.run(["cat", *existing], capture_output=True, check=True).stdout


def holds_personal_values(path: Path) -> list[str]:
    stored = database_bytes(path)
    return [value for value in (NAME, EMAIL) if value.encode() in stored]


_HOLDER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
if sys.argv[2] == "read":
    connection.execute("BEGIN")
connection.execute("SELECT count(*) FROM sqlite_master").fetchall()
print("ready", flush=True)
sys.stdin.readline()
"""


@contextmanager
def connection_in_another_process(path: Path, *, reading: bool) -> Iterator[None]:
    """Another process with the database open: in a read transaction (as a backup tool
    holds one) or idle. Another process, as in real life: SQLite's locks are per process.
    """
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path), "read" if reading else "idle"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.write("done\n")
        holder.stdin.flush()
        holder.wait(timeout=10)


def reader_holding_a_snapshot(path: Path) -> AbstractContextManager[None]:
    return connection_in_another_process(path, reading=True)


def db_path(app: Werkbot) -> Path:
    return Path(app.settings.database_url.split(":///", 1)[1])


async def register(chat: RecordingChat) -> None:
    replies = await fill_in_registration(chat, "zoe", NAME, EMAIL)
    welcome = text_of(await chat.say("zoe", code_in(text_of(replies))))
    assert "Welcome" in welcome or "Welkom" in welcome


async def test_erasure_with_a_concurrent_reader_is_scrubbed_once_it_leaves(
    app: Werkbot, chat: RecordingChat
) -> None:
    await register(chat)
    path = db_path(app)
    assert holds_personal_values(path)
    with reader_holding_a_snapshot(path):
        await chat.say("zoe", "/vergeetmij")
        erased = text_of(await chat.press("zoe", 1))
        assert "gewist" in erased or "erased" in erased
        with pytest.raises(TimeoutError):  # the reader still reads those pages: pending
            await asyncio.wait_for(app.db.scrubbed(), 0.3)
        assert holds_personal_values(path)
    await asyncio.wait_for(app.db.scrubbed(), 10)
    assert holds_personal_values(path) == []


@pytest.mark.parametrize("reader", [False, True], ids=["alone", "with-reader"])
async def test_a_stopped_registration_leaves_no_name_or_email(
    app: Werkbot, chat: RecordingChat, reader: bool
) -> None:
    await chat.say("zoe", "/registreer")
    await chat.say("zoe", NAME)
    await chat.say("zoe", EMAIL)
    path = db_path(app)
    assert holds_personal_values(path)
    if reader:
        with reader_holding_a_snapshot(path):
            assert "Gestopt" in text_of(await chat.say("zoe", "/stop"))
    else:
        assert "Gestopt" in text_of(await chat.say("zoe", "/stop"))
    await asyncio.wait_for(app.db.scrubbed(), 10)
    assert holds_personal_values(path) == []


async def test_declined_consent_leaves_nothing(app: Werkbot, chat: RecordingChat) -> None:
    await chat.say("zoe", "/registreer")
    await chat.say("zoe", NAME)
    await chat.say("zoe", EMAIL)
    await chat.press("zoe", 1)
    await chat.press("zoe", 7)
    declined = text_of(await chat.press("zoe", 2))
    assert "niets bewaard" in declined
    await asyncio.wait_for(app.db.scrubbed(), 10)
    assert holds_personal_values(db_path(app)) == []


async def test_an_abandoned_registration_is_purged_and_scrubbed(
    app: Werkbot, chat: RecordingChat
) -> None:
    await chat.say("zoe", "/registreer")
    await chat.say("zoe", NAME)
    await chat.say("zoe", EMAIL)
    assert holds_personal_values(db_path(app))
    with time_machine.travel(utcnow() + timedelta(hours=25), tick=False):
        await app.core.housekeeping.run({})
    await asyncio.wait_for(app.db.scrubbed(), 10)
    assert holds_personal_values(db_path(app)) == []


def test_erasure_interrupted_by_kill_is_scrubbed_at_the_next_start(tmp_path: Path) -> None:
    """Killed while a reader blocked the scrub: the next start finishes it.

    An idle connection in a third process stays open throughout (as a monitoring tool's
    would): SQLite checkpoints when the *last* connection closes, which would hide the
    problem.
    """
    env = console_env(tmp_path)
    path = tmp_path / "werkbot.db"
    console = ConsoleProcess(["console", "--user", "zoe"], env, tmp_path)
    try:
        register_in_console(console, "zoe", NAME, EMAIL)
        console.expect(r"werkbot → zoe: .*(stap 6|step 6)")
        with connection_in_another_process(path, reading=False):
            with reader_holding_a_snapshot(path):
                console.send("/vergeetmij")
                console.expect(r"\[1\] .*\[2\] ")
                console.send("[1]")
                console.expect(r"werkbot → zoe: .*(gewist|erased)")
                console.proc.send_signal(signal.SIGKILL)
                console.proc.wait(timeout=10)
            assert holds_personal_values(path), "the reader should have kept the old pages"
            restarted = subprocess.run(
                [sys.executable, "-m", "bot", "migrate"],
                env=env,
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert restarted.returncode == 0, restarted.stderr
            assert holds_personal_values(path) == []
    finally:
        if console.proc.poll() is None:
            console.proc.kill()
