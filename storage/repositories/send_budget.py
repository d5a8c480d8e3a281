"""The shared send budget: a schedule of send slots per bot token, kept in the database.

Every process that sends a broadcast message first takes its slot here, in one atomic
statement on one row per key (``INSERT … ON CONFLICT DO UPDATE … RETURNING``: the row lock
orders concurrent takers, on PostgreSQL across processes):

    next_at := max(next_at, now) + cost        cost = messages / rate

and waits until the slot it got (the old ``next_at``, or now). This is a token bucket
without a burst (the "generic cell rate algorithm"): slots are ``1 / rate`` apart whoever
takes them, so any second holds at most ``rate`` sends (plus one at its edge) over all
processes together, also right after an idle spell, where a bucket would first let its
whole capacity out at once.

``now`` is the database's clock (PostgreSQL's ``clock_timestamp()``, SQLite's
``julianday('now')``), read when the statement runs: processes on machines whose clocks
differ a little still agree, the wait is measured on one clock, and a taker that waited
for the row lock gets a slot from the moment it got it. A ``next_at`` further ahead than
``horizon`` (the database's clock went back) starts again from now.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Float, case, cast, extract, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.db import Database
from storage.models.send_budget import SendBudget
from storage.types import table_of

_budgets = table_of(SendBudget)


class SendBudgetRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def _now(self) -> Any:
        """The database's clock in seconds since 1970, read when the statement runs (after
        any wait for the row or the write lock)."""
        if self._db.is_sqlite:  # milliseconds; 'now' is one moment within a statement
            return (func.julianday("now") - 2440587.5) * 86400.0
        return cast(extract("epoch", func.clock_timestamp()), Float)

    async def take(self, key: str, cost: float, *, horizon: float = 60.0) -> float:
        """Reserve the next ``cost`` seconds of ``key``'s schedule; returns how many seconds
        to wait before sending (0 when the budget was not in use)."""
        if cost < 0:
            raise ValueError("a send cannot cost less than nothing")
        now = self._now()
        current = _budgets.c.next_at
        begin = case(
            (current > now + horizon, now),  # the clock went back: begin again
            (current > now, current),
            else_=now,
        )
        insert = pg_insert(_budgets) if not self._db.is_sqlite else sqlite_insert(_budgets)
        statement = (
            insert.values(key=key, next_at=now + cost)
            .on_conflict_do_update(index_elements=[_budgets.c.key], set_={"next_at": begin + cost})
            .returning(_budgets.c.next_at, now.label("now"))
        )
        async with self._db.begin() as conn:
            row = (await conn.execute(statement)).one()
            answered = time.monotonic()
        # Measured on the database's clock when it answered, less the commit's time since.
        slot = float(row.next_at) - cost
        return max(0.0, slot - float(row.now) - (time.monotonic() - answered))

    async def next_at(self, key: str) -> float | None:
        """The moment (seconds since 1970) from which ``key``'s next send may go."""
        async with self._db.engine.connect() as conn:
            found = await conn.scalar(
                _budgets.select().with_only_columns(_budgets.c.next_at).where(_budgets.c.key == key)
            )
            return None if found is None else float(found)
