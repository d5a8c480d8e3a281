"""Changes one process tells the others about: PostgreSQL ``LISTEN``/``NOTIFY``.

Processes cache what they read often about members (who an account is, whose voice a
member's vote is). When one process changes such a fact (a sponsor representative added,
an account linked, an e-mail verified), the others must drop their copy at once: one
person one vote cannot wait for a cache to expire. The change is published with
``pg_notify`` after it is stored; every process listens on its own connection and hands
each notice to its subscribers. A listener that lost its connection cannot know what it
missed: when it is back it tells its subscribers to drop everything. With SQLite there is
one process and nothing to tell.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Callable
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import Database

log = logging.getLogger(__name__)

CHANNEL = "werkbot_changes"
EVERYTHING = "everything"
"""The kind of notice a subscriber gets after the listener was away: drop all cached."""
RECONNECT_SECONDS = 2.0

Subscriber = Callable[[str, str], None]
"""``(kind, key)``: e.g. ``("voice", "42")``, ``("account", "telegram:123")``."""


class ChangeFeed:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._origin = secrets.token_hex(8)
        """This process's mark on its notices: it dropped its own caches already."""
        self._subscribers: list[Subscriber] = []
        self._connection: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._lost = asyncio.Event()

    @property
    def shared(self) -> bool:
        """Whether other processes may share the database (PostgreSQL)."""
        return not self._db.is_sqlite

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    async def publish(self, kind: str, key: str) -> None:
        """Tell the other processes (after the change is committed: call it then)."""
        if not self.shared:
            return
        payload = json.dumps({"kind": kind, "key": key, "origin": self._origin})
        try:
            async with self._db.engine.begin() as conn:
                await conn.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload})
        except Exception:  # the change itself is stored; others see it when their caches expire
            log.exception("could not tell the other processes about a change (%s %s)", kind, key)

    async def start(self) -> None:
        """Listen (PostgreSQL only); returns once listening, keeps listening in the background."""
        if not self.shared:
            return
        await self._connect()
        self._task = asyncio.create_task(self._keep_listening(), name="change-feed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        await self._close()

    # -- listening -----------------------------------------------------------------------

    def _dsn(self) -> str:
        return make_url(self._db.url.render_as_string(hide_password=False)).set(drivername="postgresql").render_as_string(hide_password=False)

    async def _connect(self) -> None:
        connection = await asyncpg.connect(self._dsn())
        connection.add_termination_listener(lambda _connection: self._lost.set())
        await connection.add_listener(CHANNEL, self._received)
        self._connection = connection
        self._lost.clear()

    async def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and not connection.is_closed():
            try:
                await connection.close(timeout=5)
            except Exception:
                connection.terminate()

    async def _keep_listening(self) -> None:
        while True:
            await self._lost.wait()
            log.warning("the change feed lost its connection; listening again")
            await self._close()
            while True:
                await asyncio.sleep(RECONNECT_SECONDS)
                try:
                    await self._connect()
                    break
                except Exception as error:
                    log.warning("the change feed cannot listen yet: %s", error)
            self._tell(EVERYTHING, "")  # what came meanwhile is unknown

    def _received(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            notice = json.loads(payload)
            kind, key, origin = str(notice["kind"]), str(notice["key"]), notice.get("origin")
        except (ValueError, KeyError, TypeError):
            log.warning("an unreadable change notice was ignored: %r", payload[:200])
            return
        if origin != self._origin:
            self._tell(kind, key)

    def _tell(self, kind: str, key: str) -> None:
        for subscriber in self._subscribers:
            try:
                subscriber(kind, key)
            except Exception:
                log.exception("a change notice (%s %s) could not be handled", kind, key)
