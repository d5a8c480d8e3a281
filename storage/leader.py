"""A PostgreSQL advisory lock on a connection of its own: who runs the planned jobs.

Several Werkbot processes share one PostgreSQL. APScheduler 3's job store does not
coordinate them (each scheduler would run every due job), so only the process holding
this lock runs its scheduler; the others plan and cancel jobs in the same table and stand
by. The lock belongs to the connection: when the leader dies (even by SIGKILL) the server
closes its connection and the lock is free for the next process that asks.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

JOBS_LOCK = 0x5765726B6A6F6273
"""The lock's key: "Werkjobs" in ASCII, a positive 64-bit number (PostgreSQL's bigint)."""


class AdvisoryLock:
    def __init__(self, url: str, key: int = JOBS_LOCK) -> None:
        self._engine = create_async_engine(url, poolclass=NullPool)
        self._key = key
        self._conn: AsyncConnection | None = None

    async def try_acquire(self) -> bool:
        """Take the lock if it is free (never waits); False also when the server is away."""
        try:
            if self._conn is None:
                self._conn = await self._engine.connect()
            taken = (await self._conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key})).scalar_one()
            await self._conn.commit()
            return bool(taken)
        except Exception as error:  # the server restarted, the network went: try again later
            log.warning("could not ask for the jobs lock: %s", error)
            await self._drop()
            return False

    async def held(self) -> bool:
        """Whether this connection still holds the lock (False when it was lost)."""
        if self._conn is None:
            return False
        try:
            found = (
                await self._conn.execute(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                        "AND pid = pg_backend_pid() AND ((classid::bigint << 32) | objid::bigint) = :key"
                    ),
                    {"key": self._key},
                )
            ).scalar_one()
            await self._conn.commit()
            return bool(found)
        except Exception as error:
            log.warning("lost the connection that holds the jobs lock: %s", error)
            await self._drop()
            return False

    async def release(self) -> None:
        """Give the lock back (closing its connection) and let go of the engine."""
        await self._drop()
        await self._engine.dispose()

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await conn.close()
            except Exception:  # already broken
                log.debug("closing a broken lock connection failed", exc_info=True)
