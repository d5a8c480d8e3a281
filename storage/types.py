"""Column types shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, DateTime, Table, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that always goes in and comes out as an aware UTC datetime.

    SQLite has no time zones and hands back naive values; this keeps comparisons in the
    services correct on both SQLite and PostgreSQL.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """Now, aware, in UTC; the one clock the storage layer reads."""
    return datetime.now(UTC)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a SQLModel table class (for Core queries on the hot paths)."""
    return model.__table__  # type: ignore[attr-defined,no-any-return]  # SQLModel sets it on table=True classes, untyped


def stored_id(value: int | None) -> int:
    """The id of a row that was stored (flushed or read back): never None by then."""
    if value is None:
        raise ValueError("a stored row has no id")
    return int(value)


async def lock_rows(conn: AsyncConnection, table: Table, *conditions: ColumnElement[bool]) -> int:
    """Take the rows that match for this transaction; how many there are.

    An UPDATE is the one statement that locks on both databases: PostgreSQL locks the rows
    until the transaction ends, SQLite takes its write lock (and, since nothing was read
    before in the transaction, reads from here on see every earlier commit). The update
    sets the first key column to itself: nothing changes. Two transactions that take the
    same rows run one after the other (sign-ups for an event, two saves of a rating, two
    loads of a target list)."""
    key = next(iter(table.primary_key.columns))
    result = await conn.execute(update(table).where(*conditions).values({key.name: key}))
    return int(result.rowcount)


LIKE_ESCAPE = "\\"


def contains(column: ColumnElement[str], text: str) -> ColumnElement[bool]:
    """``column`` holds ``text`` literally: ``%`` and ``_`` typed by a member are letters,
    not wildcards (a search for "%" must not list everything)."""
    escaped = text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")
    return column.like(f"%{escaped}%", escape=LIKE_ESCAPE)
