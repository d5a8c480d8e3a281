"""Processes that start at once on one fresh PostgreSQL migrate one after the other."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from storage.db import Database


async def test_three_processes_migrating_at_once_leave_one_schema(postgresql_url: str) -> None:
    databases = [Database(postgresql_url) for _ in range(3)]
    try:
        await asyncio.gather(*(db.migrate() for db in databases))
        async with databases[0].engine.connect() as conn:
            versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
            tables = (await conn.execute(text("SELECT count(*) FROM pg_tables WHERE tablename = 'meetlat_ratings'"))).scalar_one()
        assert len(versions) == 1 and tables == 1
    finally:
        for db in databases:
            await db.dispose()
