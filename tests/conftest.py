"""Shared fixtures: settings, a started Werkbot on a real database, a recording chat, SMTP."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from bot.app import Werkbot
from config import Settings, load_settings
from storage import Database
from tests.support.chat import RecordingChat
from tests.support.databases import create_pg_database, drop_pg_database, pg_reachable, pg_url
from tests.support.smtp import LocalSmtp

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("no_proxy", "127.0.0.1,localhost")

_PG: dict[str, object] = {}


def _pg_available() -> bool:
    if "ok" not in _PG:
        _PG["ok"] = pg_reachable()
    return bool(_PG["ok"])


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read the developer's .env or platform tokens."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "DISCORD_", "SMTP_")) or name in (
            "DATABASE_URL",
            "ORGANIZERS",
            "ADMINS",
        ):
            monkeypatch.delenv(name, raising=False)


_TEMPLATE: dict[str, Path] = {}


def _migrated_template(factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to the newest schema per test run: each test that starts a
    Werkbot copies it instead of running every migration again (a tenth of a second per
    test, a minute over the suite). The migrations themselves are tested on fresh
    databases (``tests/test_storage.py``, the ``database_url`` fixture)."""
    if "path" not in _TEMPLATE:
        path = factory.mktemp("template") / "werkbot.db"

        async def build() -> None:
            database = Database(f"sqlite+aiosqlite:///{path}")
            await database.migrate()
            async with database.engine.begin() as conn:
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            await database.dispose()

        asyncio.run(build())
        _TEMPLATE["path"] = path
    return _TEMPLATE["path"]


@pytest.fixture
def sqlite_url(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file of this test's own, already at the newest schema."""
    target = tmp_path / "werkbot.db"
    shutil.copyfile(_migrated_template(tmp_path_factory), target)
    return f"sqlite+aiosqlite:///{target}"


def _fresh_postgresql() -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards; skipped locally when the server is
    unreachable, a failure under CI."""
    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL at 127.0.0.1:5432 is not reachable in CI")
        pytest.skip("PostgreSQL at 127.0.0.1:5432 is not reachable")
    name = asyncio.run(create_pg_database())
    try:
        yield pg_url(name)
    finally:
        asyncio.run(drop_pg_database(name))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Storage and service tests run on both databases; PostgreSQL gets a fresh database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'werkbot.db'}"
        return
    yield from _fresh_postgresql()


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    """PostgreSQL only, for tests of several processes sharing one database (with SQLite
    there is one process by design)."""
    yield from _fresh_postgresql()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A migrated database (SQLite and PostgreSQL), disposed of after the test."""
    database = Database(database_url)
    await database.migrate()
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def make_settings(tmp_path: Path, sqlite_url: str) -> Callable[..., Settings]:
    def build(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "database_url": sqlite_url,
            "data_dir": tmp_path / "data",
            "rate_limit_burst": 1000,
            "rate_limit_per_minute": 60000,
        }
        values.update(overrides)
        return load_settings(**values)

    return build


@pytest.fixture
def smtp() -> Iterator[LocalSmtp]:
    with LocalSmtp() as server:
        yield server


@pytest.fixture
async def app(make_settings: Callable[..., Settings]) -> AsyncIterator[Werkbot]:
    bot = Werkbot(make_settings(organizers="console:olga", admins="console:ada"))
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


@pytest.fixture
def chat(app: Werkbot) -> RecordingChat:
    recorder = RecordingChat(app.router)
    app.delivery.attach(recorder)
    return recorder


@pytest.fixture
def english_chat(app: Werkbot) -> RecordingChat:
    """The recording chat in English, so texts do not depend on the Dutch catalog."""
    recorder = RecordingChat(app.router, language_hint="en")
    app.delivery.attach(recorder)
    return recorder


@pytest.fixture(autouse=True)
def _no_errors_logged(
    caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest
) -> Iterator[None]:
    """A handler exception is only logged, never raised: so an ERROR record fails the test."""
    caplog.set_level(logging.WARNING)
    yield
    if request.node.get_closest_marker("allow_error_logs"):
        return
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert not errors, "errors were logged: " + "; ".join(r.getMessage() for r in errors)
