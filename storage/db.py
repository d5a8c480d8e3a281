"""The async engine, sessions and migrations for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlmodel.ext.asyncio.session import AsyncSession

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SCRUB_RETRY_FIRST = 0.1
SCRUB_RETRY_MAX = 5.0
"""Seconds between two tries of a scrub that a reader blocked: doubling, up to this."""
SCRUB_GIVE_UP = 3600.0
"""After an hour of tries the scrub waits for the next start (which always scrubs)."""


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    """WAL for concurrent readers beside one writer; foreign keys on; wait, don't fail, on locks."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(
        "PRAGMA secure_delete=ON"
    )  # erased personal data is overwritten, not left behind
    cursor.close()


class Database:
    """One engine per process; repositories take sessions from here."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite and self.url.database and self.url.database != ":memory:":
            Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict[str, object] = {"echo": echo}
        if not self.is_sqlite:
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        # Commits made by the current task (an event being handled), so the router can tell
        # "nothing was changed" from "part of it was saved" when a handler fails half-way.
        self._commits: ContextVar[int] = ContextVar(f"werkbot_commits_{id(self)}", default=0)
        self._scrubbing: asyncio.Task[None] | None = None
        self._scrubbed = asyncio.Event()
        self._scrubbed.set()

    @property
    def sync_url(self) -> str:
        """The same database for synchronous clients (APScheduler's job store, Alembic)."""
        driver = "pysqlite" if self.is_sqlite else "psycopg"
        return self.url.set(drivername=f"{self.url.get_backend_name()}+{driver}").render_as_string(
            hide_password=False
        )

    def session(self) -> AsyncSession:
        """A new session; use as ``async with db.session() as s``."""
        return self._sessions()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on any error."""
        async with self._sessions() as session, session.begin():
            yield session
        self.count_commit()

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A connection inside one transaction (Core statements), counted like a session's."""
        async with self.engine.begin() as connection:
            yield connection
        self.count_commit()

    def count_commit(self) -> None:
        """Count a commit for the current task (writes that bypass :meth:`transaction` call
        this themselves once their commit is durable)."""
        self._commits.set(self._commits.get() + 1)

    def commits(self) -> int:
        """How many commits the current task made so far; compare two readings."""
        return self._commits.get()

    async def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (run at every start).

        Also scrubs: a process killed in the middle of an erasure may have left old values
        in the write-ahead log, and nobody else reads the file this early.
        """
        async with self.engine.begin() as connection:
            await connection.run_sync(_upgrade)
        if not await self._checkpoint():
            log.warning("the database's write-ahead log could not be emptied at start")
            self._retry_scrub()

    # -- leaving nothing behind ---------------------------------------------------------

    @property
    def _file(self) -> str | None:
        path = self.url.database
        return path if self.is_sqlite and path and path != ":memory:" else None

    async def scrub(self) -> bool:
        """After personal data is erased: no old copy may stay in the file or its WAL.

        ``secure_delete`` zeroes what a transaction removes from a page, but the earlier
        page images stay in the write-ahead log until a checkpoint has copied the new pages
        into the database file and emptied the log (TRUNCATE). A reader that holds an old
        snapshot (a backup tool, say) blocks that, rightly: it is still reading those pages.
        So the result is checked, and a blocked scrub is retried in the background (every
        0.1 s, doubling to every 5 s, for up to an hour; every start scrubs again) until it
        completes. True when it completed now.
        """
        if self._file is None:
            return True
        if await self._checkpoint():
            return True
        log.info("a reader holds an old snapshot; the scrub of the WAL is retried")
        self._retry_scrub()
        return False

    async def scrubbed(self) -> None:
        """Wait until no scrub is pending (tests, and a clean shutdown)."""
        await self._scrubbed.wait()

    def _retry_scrub(self) -> None:
        self._scrubbed.clear()
        if self._scrubbing is None or self._scrubbing.done():
            self._scrubbing = asyncio.get_running_loop().create_task(
                self._keep_scrubbing(), name="database-scrub"
            )

    async def _keep_scrubbing(self) -> None:
        delay, waited = SCRUB_RETRY_FIRST, 0.0
        while waited < SCRUB_GIVE_UP:
            await asyncio.sleep(delay)
            waited += delay
            if await self._checkpoint():
                log.info("the pending scrub of the write-ahead log completed")
                self._scrubbed.set()
                return
            delay = min(delay * 2, SCRUB_RETRY_MAX)
        log.error("the write-ahead log could not be emptied for an hour; retried at next start")

    async def _checkpoint(self) -> bool:
        path = self._file
        if path is None:
            return True
        return await asyncio.to_thread(_truncate_wal, path)

    async def dispose(self) -> None:
        if self._scrubbing is not None and not self._scrubbing.done():
            self._scrubbing.cancel()
            try:
                await self._scrubbing
            except asyncio.CancelledError:
                pass
            if await self._checkpoint():
                self._scrubbed.set()
        await self.engine.dispose()


def _truncate_wal(path: str) -> bool:
    """One TRUNCATE checkpoint on a connection of its own; True when it completed.

    The busy timeout is short on purpose: while a TRUNCATE checkpoint waits for readers it
    also holds back writers, and the survey answer path must not stall behind it.
    """
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA busy_timeout=20")
        busy, logged, moved = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.OperationalError as error:  # locked beyond the timeout
        log.debug("checkpoint refused: %s", error)
        return False
    finally:
        connection.close()
    return bool(busy == 0 and logged == moved)


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


MIGRATION_LOCK = 0x5765726B6D696772
"""Key of the lock processes take while migrating ("Werkmigr"): several processes
starting at once on one PostgreSQL migrate one after the other, not over each other."""


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":  # held until this transaction ends
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    command.upgrade(alembic_config(connection), "head")
