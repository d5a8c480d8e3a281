"""The command line: ``werkbot event import FILE`` and ``werkbot demo`` (the Festival on
11 May with its programme), through ``bot.__main__.main`` with settings from the
environment, as the installed ``werkbot`` script runs them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
import time_machine

import bot.__main__ as main
from config import Settings
from tests.events.conftest import event_file
from tests.surveys.conftest import db_file

NOW = "2026-12-01 12:00:00+00:00"


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, make_settings: Callable[..., Settings]) -> Settings:
    """Settings the command line reads from the environment (a fresh SQLite file)."""
    built = make_settings()
    monkeypatch.setenv("DATABASE_URL", built.database_url)
    monkeypatch.setenv("DATA_DIR", str(built.data_dir))
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    # The process-wide collector thresholds are not this test's business.
    monkeypatch.setattr(main.collector, "tune", lambda: None)
    return built


def rows(settings: Settings, query: str) -> list[tuple[object, ...]]:
    path = db_file(settings)
    if not path.exists():
        return []
    connection = sqlite3.connect(path)
    try:
        return list(connection.execute(query))
    finally:
        connection.close()


def werkbot(*argv: str) -> int:
    with time_machine.travel(NOW, tick=False):
        return main.main(list(argv))


def test_event_import_creates_the_event_and_prints_it(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "festival.yaml"
    path.write_bytes(event_file(capacity=120))
    assert werkbot("event", "import", str(path)) == 0
    out = capsys.readouterr().out
    assert "Festival voor Modern Werkenden" in out and "/deelnemers 1" in out
    assert "11 mei 2027, 10:00–17:00" in out or "11 May 2027, 10:00–17:00" in out
    assert rows(settings, "select id, title, capacity, created_by from events") == [
        (1, "Festival voor Modern Werkenden", 120, "cli")
    ]
    # The clock planned its reminders, 24 h and 2 h before the start.
    jobs = {job_id for (job_id,) in rows(settings, "select id from apscheduler_jobs")}
    assert {"events.remind:1:24h", "events.remind:1:2h"} <= jobs


def test_a_broken_file_prints_its_problems_by_line_and_creates_nothing(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "kapot.yaml"
    broken.write_bytes(
        event_file(capacity=0, extra="startss: 2027-05-11 10:00\n").replace(
            b"kind: festival", b"kind: feest"
        )
    )
    assert werkbot("event", "import", str(broken)) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{broken}: nothing was created:" in captured.err
    problems = [line.strip() for line in captured.err.splitlines()[1:]]
    assert len(problems) >= 3, captured.err
    assert all(line.startswith("line ") for line in problems), problems
    assert any(line.startswith("line 2:") and "kind" in line for line in problems), problems
    assert any("startss" in line for line in problems), problems
    assert any("capacity" in line for line in problems), problems
    assert rows(settings, "select count(*) from events") == [(0,)]

    past = tmp_path / "voorbij.yaml"
    past.write_bytes(event_file(starts="2026-11-01 10:00", ends="2026-11-01 17:00"))
    assert werkbot("event", "import", str(past)) == 1
    assert "nothing was created" in capsys.readouterr().err
    missing = tmp_path / "nergens.yaml"
    assert werkbot("event", "import", str(missing)) == 1
    assert "cannot read" in capsys.readouterr().err
    assert rows(settings, "select count(*) from events") == [(0,)]


def test_demo_adds_the_festival_on_11_may_with_its_programme_once(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert werkbot("demo") == 0
    first = capsys.readouterr().err
    assert "Festival voor Modern Werkenden (demo), 11 May 2027" in first
    assert werkbot("demo") == 0
    second = capsys.readouterr().err
    assert "Festival" not in second

    events = rows(settings, "select id, title, starts_at, capacity, allow_guest from events")
    assert len(events) == 1
    event_id, title, starts_at, capacity, guest = events[0]
    assert title == "Festival voor Modern Werkenden (demo)"
    assert str(starts_at).startswith("2027-05-11 08:00")  # 10:00 Dutch summer time
    assert (capacity, guest) == (150, 1)
    sessions = rows(
        settings, f"select title, room from event_sessions where event_id = {event_id} order by id"
    )
    assert len(sessions) == 5
    assert sessions[0] == ("Opening: de stem van de Modern Werkende", "Grote zaal")
