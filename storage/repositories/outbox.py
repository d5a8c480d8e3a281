"""The outbox's queries: store a broadcast with its recipients, claim, record, report.

Claims are safe with several senders on one database: a recipient row is taken by an
``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)`` with a lease (on PostgreSQL;
SQLite has one writer at a time anyway), and a row whose lease ran out (its sender died)
goes back to ``pending``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database
from storage.models.outbox import OutboxBroadcast, OutboxFile, OutboxMessage
from storage.records.outbox import (
    BroadcastCounts,
    BroadcastRecord,
    BroadcastStatus,
    Claimed,
    Delivered,
    FailedRecipient,
    NewBroadcast,
    RecipientState,
)
from storage.types import UTCDateTime, stored_id, table_of, utcnow

CHUNK = 5_000
_broadcasts = table_of(OutboxBroadcast)
_messages = table_of(OutboxMessage)
_files = table_of(OutboxFile)


def _still_claimed() -> tuple[Any, ...]:
    """Row ``row_id`` while the claim made at ``claim`` (its lease time) still holds it:
    after a lease ran out and another sender took the row, the first one cannot change it."""
    return (
        _messages.c.id == bindparam("row_id"),
        _messages.c.state == RecipientState.SENDING.value,
        _messages.c.lease_until == bindparam("claim", type_=UTCDateTime()),
    )


def _record(row: Any) -> BroadcastRecord:
    report = (
        (row.report_platform, row.report_chat)
        if row.report_platform is not None and row.report_chat is not None
        else None
    )
    return BroadcastRecord(
        id=int(row.id),
        title=row.title,
        topic=row.topic,
        template=row.template,
        params=dict(row.params or {}),
        status=BroadcastStatus(row.status),
        created_by=row.created_by,
        created_at=row.created_at,
        planned_at=row.planned_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        total=int(row.total),
        report_to=report,
        report_language=row.report_language,
        report_message=row.report_message,
    )


class OutboxRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- broadcasts ------------------------------------------------------------------------

    async def create(self, new: NewBroadcast) -> int:
        """The broadcast and one row per recipient, in one transaction."""
        return (await self.create_many([new]))[0]

    async def create_many(self, news: Sequence[NewBroadcast]) -> list[int]:
        """Several broadcasts in one transaction (a round's introductions: one per reader)."""
        now = utcnow()
        ids: list[int] = []
        async with self._db.begin() as conn:
            for new in news:
                ids.append(await self._insert(conn, new, now))
        return ids

    async def _insert(self, conn: AsyncConnection, new: NewBroadcast, now: datetime) -> int:
        status = BroadcastStatus.PLANNED if new.planned_at is not None else BroadcastStatus.RUNNING
        total = len(new.members) + len(new.chats)
        result = await conn.execute(
            insert(_broadcasts)
            .values(
                title=new.title,
                topic=new.topic,
                template=new.template,
                params=new.params,
                status=status,
                created_by=new.created_by,
                created_at=now,
                planned_at=new.planned_at,
                started_at=None if new.planned_at is not None else now,
                total=total,
                report_platform=new.report_to[0] if new.report_to else None,
                report_chat=new.report_to[1] if new.report_to else None,
                report_language=new.report_language,
            )
            .returning(_broadcasts.c.id)
        )
        broadcast_id = stored_id(result.scalar_one())
        rows: list[dict[str, Any]] = [
            {"broadcast_id": broadcast_id, "member_id": member_id} for member_id in new.members
        ]
        rows += [
            {"broadcast_id": broadcast_id, "chat_platform": platform, "chat_id": chat_id}
            for platform, chat_id in new.chats
        ]
        for start in range(0, len(rows), CHUNK):
            chunk = [
                {
                    "broadcast_id": row["broadcast_id"],
                    "member_id": row.get("member_id"),
                    "chat_platform": row.get("chat_platform"),
                    "chat_id": row.get("chat_id"),
                    "state": RecipientState.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "updated_at": now,
                }
                for row in rows[start : start + CHUNK]
            ]
            await conn.execute(insert(_messages), chunk)
        return broadcast_id

    async def get(self, broadcast_id: int) -> BroadcastRecord | None:
        async with self._db.engine.connect() as conn:
            row = (
                await conn.execute(select(_broadcasts).where(_broadcasts.c.id == broadcast_id))
            ).first()
            return None if row is None else _record(row)

    async def broadcasts(
        self, statuses: Sequence[BroadcastStatus] = (), *, limit: int = 50
    ) -> list[BroadcastRecord]:
        """The newest first."""
        query = select(_broadcasts).order_by(_broadcasts.c.id.desc()).limit(limit)
        if statuses:
            query = query.where(_broadcasts.c.status.in_([str(s) for s in statuses]))
        async with self._db.engine.connect() as conn:
            return [_record(row) for row in await conn.execute(query)]

    async def set_status(
        self,
        broadcast_id: int,
        from_statuses: Sequence[BroadcastStatus],
        status: BroadcastStatus,
        **values: Any,
    ) -> bool:
        """Move a broadcast on only from one of ``from_statuses`` (a race loses)."""
        async with self._db.begin() as conn:
            result = await conn.execute(
                update(_broadcasts)
                .where(
                    _broadcasts.c.id == broadcast_id,
                    _broadcasts.c.status.in_([str(s) for s in from_statuses]),
                )
                .values(status=status, **values)
            )
            return bool(result.rowcount == 1)

    async def set_report_message(self, broadcast_id: int, message_id: str | None) -> None:
        async with self._db.begin() as conn:
            await conn.execute(
                update(_broadcasts)
                .where(_broadcasts.c.id == broadcast_id)
                .values(report_message=message_id)
            )

    async def due_planned(self, now: datetime) -> list[int]:
        """Planned broadcasts whose time has come (also those missed while Werkbot was down)."""
        async with self._db.engine.connect() as conn:
            result = await conn.execute(
                select(_broadcasts.c.id).where(
                    _broadcasts.c.status == BroadcastStatus.PLANNED.value,
                    _broadcasts.c.planned_at <= now,
                )
            )
            return [int(broadcast_id) for (broadcast_id,) in result]

    async def add_file(self, filename: str, mime_type: str, data: bytes) -> int:
        async with self._db.begin() as conn:
            result = await conn.execute(
                insert(_files)
                .values(filename=filename, mime_type=mime_type, data=data, created_at=utcnow())
                .returning(_files.c.id)
            )
            return stored_id(result.scalar_one())

    async def file(self, file_id: int) -> tuple[str, str, bytes] | None:
        """(file name, MIME type, bytes) of a stored file."""
        async with self._db.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(_files.c.filename, _files.c.mime_type, _files.c.data).where(
                        _files.c.id == file_id
                    )
                )
            ).first()
            return None if row is None else (row.filename, row.mime_type, bytes(row.data))

    # -- recipients ----------------------------------------------------------------------------

    def _due(self, now: datetime, limit: int) -> Select[Any]:
        query = (
            select(_messages.c.id)
            .join(_broadcasts, _broadcasts.c.id == _messages.c.broadcast_id)
            .where(
                _messages.c.state == RecipientState.PENDING.value,
                _messages.c.next_attempt_at <= now,
                _broadcasts.c.status == BroadcastStatus.RUNNING.value,
            )
            .order_by(_messages.c.id)
            .limit(limit)
        )
        if not self._db.is_sqlite:
            query = query.with_for_update(of=_messages, skip_locked=True)
        return query

    async def claim(self, limit: int, lease: timedelta) -> list[Claimed]:
        """Take up to ``limit`` due recipients (oldest first) for ``lease``."""
        now = utcnow()
        until = now + lease
        async with self._db.begin() as conn:
            result = await conn.execute(
                update(_messages)
                .where(_messages.c.id.in_(self._due(now, limit).scalar_subquery()))
                .values(
                    state=RecipientState.SENDING.value,
                    lease_until=until,
                    attempts=_messages.c.attempts + 1,
                    updated_at=now,
                )
                .returning(
                    _messages.c.id,
                    _messages.c.broadcast_id,
                    _messages.c.member_id,
                    _messages.c.chat_platform,
                    _messages.c.chat_id,
                    _messages.c.attempts,
                )
            )
            claimed = [
                Claimed(
                    int(row.id),
                    int(row.broadcast_id),
                    row.member_id,
                    (row.chat_platform, row.chat_id)
                    if row.chat_platform is not None and row.chat_id is not None
                    else None,
                    int(row.attempts),
                    until,
                )
                for row in result
            ]
        claimed.sort(key=lambda row: row.id)
        return claimed

    async def record(self, outcomes: Sequence[Delivered]) -> None:
        """Write what happened to claimed rows, in one transaction. Only rows still held by
        the claim the outcome came from are written: when a lease ran out and another sender
        took the row over, that sender's outcome counts."""
        if not outcomes:
            return
        now = utcnow()
        statement = (
            update(_messages)
            .where(*_still_claimed())
            .values(
                state=bindparam("new_state"),
                platform=bindparam("new_platform"),
                message_id=bindparam("new_message_id"),
                error=bindparam("new_error"),
                next_attempt_at=bindparam("new_next"),
                lease_until=None,
                updated_at=now,
            )
        )
        rows = [
            {
                "row_id": outcome.id,
                "new_state": outcome.state.value,
                "new_platform": outcome.platform,
                "new_message_id": outcome.message_id,
                "new_error": (outcome.error or None) and outcome.error[:200],
                "new_next": outcome.retry_at or now,
                "claim": outcome.claim,
            }
            for outcome in outcomes
        ]
        if any(row["claim"] is None for row in rows):
            raise ValueError("an outcome without the claim it came from")
        async with self._db.begin() as conn:
            await conn.execute(statement, rows)

    async def release(self, claims: Sequence[tuple[int, datetime]]) -> None:
        """Claimed rows that were not sent (the sender is stopping) go back to the queue
        at once, their attempt not counted; only while the claim still holds them."""
        if not claims:
            return
        statement = (
            update(_messages)
            .where(*_still_claimed())
            .values(
                state=RecipientState.PENDING.value,
                lease_until=None,
                attempts=_messages.c.attempts - 1,
                updated_at=utcnow(),
            )
        )
        async with self._db.begin() as conn:
            await conn.execute(statement, [{"row_id": i, "claim": c} for i, c in claims])

    async def release_expired(self) -> int:
        """Rows whose sender died mid-send go back to the queue (they may arrive twice)."""
        now = utcnow()
        async with self._db.begin() as conn:
            result = await conn.execute(
                update(_messages)
                .where(
                    _messages.c.state == RecipientState.SENDING.value,
                    _messages.c.lease_until < now,
                )
                .values(state=RecipientState.PENDING.value, lease_until=None, updated_at=now)
            )
            return int(result.rowcount or 0)

    async def skip_open(self, broadcast_id: int) -> int:
        """A cancelled broadcast: its pending rows will never be sent."""
        async with self._db.begin() as conn:
            result = await conn.execute(
                update(_messages)
                .where(
                    _messages.c.broadcast_id == broadcast_id,
                    _messages.c.state == RecipientState.PENDING.value,
                )
                .values(state=RecipientState.SKIPPED.value, updated_at=utcnow())
            )
            return int(result.rowcount or 0)

    # -- reports -------------------------------------------------------------------------------

    async def counts(self, broadcast_id: int) -> BroadcastCounts:
        async with self._db.engine.connect() as conn:
            result = await conn.execute(
                select(_messages.c.platform, _messages.c.state, func.count())
                .where(_messages.c.broadcast_id == broadcast_id)
                .group_by(_messages.c.platform, _messages.c.state)
            )
            return BroadcastCounts(
                {(platform, RecipientState(state)): int(n) for platform, state, n in result}
            )

    async def open_broadcasts(self) -> list[int]:
        """Running broadcasts that still have rows to send or in flight."""
        async with self._db.engine.connect() as conn:
            result = await conn.execute(
                select(_broadcasts.c.id)
                .where(_broadcasts.c.status == BroadcastStatus.RUNNING.value)
                .order_by(_broadcasts.c.id)
            )
            return [int(broadcast_id) for (broadcast_id,) in result]

    async def pending_count(self) -> int:
        """Recipients of running broadcasts not yet sent or in flight, over every sender
        (the backlog ``/metrics`` reports)."""
        async with self._db.engine.connect() as conn:
            result = await conn.execute(
                select(func.count())
                .select_from(_messages)
                .join(_broadcasts, _broadcasts.c.id == _messages.c.broadcast_id)
                .where(
                    _messages.c.state.in_(
                        (RecipientState.PENDING.value, RecipientState.SENDING.value)
                    ),
                    _broadcasts.c.status == BroadcastStatus.RUNNING.value,
                )
            )
            return int(result.scalar_one())

    async def failures(self, broadcast_id: int) -> list[FailedRecipient]:
        async with self._db.engine.connect() as conn:
            result = await conn.execute(
                select(
                    _messages.c.member_id,
                    _messages.c.chat_platform,
                    _messages.c.chat_id,
                    _messages.c.platform,
                    _messages.c.state,
                    _messages.c.attempts,
                    _messages.c.error,
                )
                .where(
                    _messages.c.broadcast_id == broadcast_id,
                    _messages.c.state.in_(
                        [RecipientState.FAILED.value, RecipientState.UNREACHABLE.value]
                    ),
                )
                .order_by(_messages.c.id)
            )
            return [
                FailedRecipient(
                    member_id=row.member_id,
                    chat=f"{row.chat_platform}:{row.chat_id}" if row.chat_platform else None,
                    platform=row.platform,
                    state=RecipientState(row.state),
                    attempts=int(row.attempts),
                    error=row.error,
                )
                for row in result
            ]

    # -- personal data -------------------------------------------------------------------------

    async def received_by(self, member_id: int) -> list[dict[str, Any]]:
        async with self._db.engine.connect() as conn:
            result = await conn.execute(
                select(
                    _broadcasts.c.title,
                    _broadcasts.c.topic,
                    _messages.c.state,
                    _messages.c.platform,
                    _messages.c.updated_at,
                )
                .join(_broadcasts, _broadcasts.c.id == _messages.c.broadcast_id)
                .where(_messages.c.member_id == member_id)
                .order_by(_messages.c.id)
            )
            return [
                {
                    "broadcast": title,
                    "topic": topic,
                    "state": state,
                    "via": platform,
                    "at": str(updated_at),
                }
                for title, topic, state, platform, updated_at in result
            ]

    async def forget_member(self, member_id: int) -> None:
        """Erasure: nothing more is sent to the member; the rows keep only their counts."""
        now = utcnow()
        async with self._db.begin() as conn:
            await conn.execute(
                update(_messages)
                .where(
                    _messages.c.member_id == member_id,
                    _messages.c.state.in_(
                        [RecipientState.PENDING.value, RecipientState.SENDING.value]
                    ),
                )
                .values(state=RecipientState.SKIPPED.value, updated_at=now)
            )
            await conn.execute(
                update(_messages)
                .where(_messages.c.member_id == member_id)
                .values(member_id=None, message_id=None, updated_at=now)
            )
