"""``werkbot targets refresh`` against a fake Gegevensmagazijn on 127.0.0.1, and
``werkbot targets import FILE.csv``, through ``bot.__main__.main`` as the script runs them.

The command line runs its own event loop, so the fake open-data server runs on a loop of
its own in a thread.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

import bot.__main__ as main
from config import Settings
from tests.campaigns.test_targets import ROOT, FakeGegevensmagazijn
from tests.surveys.conftest import db_file


@pytest.fixture
def kamer_in_thread() -> Iterator[FakeGegevensmagazijn]:
    fake = FakeGegevensmagazijn()
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    async def serve() -> None:
        app = web.Application()
        app.router.add_get(ROOT + "/{entity}", fake.handle)
        fake.server = TestServer(app, host="127.0.0.1")
        await fake.server.start_server()
        ready.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(serve(), loop)
    assert ready.wait(10)
    try:
        yield fake
    finally:
        assert fake.server is not None
        asyncio.run_coroutine_threadsafe(fake.server.close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, make_settings: Callable[..., Settings]) -> Settings:
    built = make_settings()
    monkeypatch.setenv("DATABASE_URL", built.database_url)
    monkeypatch.setenv("DATA_DIR", str(built.data_dir))
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    monkeypatch.setattr(main.collector, "tune", lambda: None)
    return built


def targets(settings: Settings) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(db_file(settings))
    try:
        return list(
            connection.execute(
                "select source, name, party, email, active from campaign_targets order by name"
            )
        )
    finally:
        connection.close()


def test_targets_refresh_loads_the_members_of_the_kamer(
    settings: Settings,
    kamer_in_thread: FakeGegevensmagazijn,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TK_ODATA_URL", kamer_in_thread.url)
    assert main.main(["targets", "refresh"]) == 0
    out = capsys.readouterr().out
    loaded = targets(settings)
    assert loaded and all(row[0] == "tk" and row[4] for row in loaded)
    assert any(row[3] is None for row in loaded)  # kept, and named in the summary
    assert str(len(loaded)) in out
    assert main.main(["targets", "refresh"]) == 0  # again: nothing changes
    assert targets(settings) == loaded


def test_a_failing_open_data_server_changes_nothing(
    settings: Settings,
    kamer_in_thread: FakeGegevensmagazijn,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TK_ODATA_URL", kamer_in_thread.url.replace(ROOT, "/nergens"))
    assert main.main(["targets", "refresh"]) == 1
    assert "nothing was changed" in capsys.readouterr().err
    assert targets(settings) == []


def test_targets_import_reads_a_csv_and_a_broken_one_names_the_line(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "partijen.csv"
    good.write_text(
        "naam;soort;email\nProgrammacommissie Partij X;partij;programma@partijx.nl\n",
        encoding="utf-8",
    )
    assert main.main(["targets", "import", str(good)]) == 0
    assert targets(settings) == [
        ("csv", "Programmacommissie Partij X", None, "programma@partijx.nl", 1)
    ]
    broken = tmp_path / "kapot.csv"
    broken.write_text("naam;soort;email\nIemand;kamerlid;geen-adres\n", encoding="utf-8")
    assert main.main(["targets", "import", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "nothing was loaded" in err and "line 2" in err
    assert len(targets(settings)) == 1
