"""Storage on SQLite and PostgreSQL: migrations match the models, SQLite runs WAL with FKs."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage import Database
from storage.models.members import Identity


async def test_migrations_create_exactly_the_models(db: Database) -> None:
    def diff(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": lambda obj, name, type_, reflected, compare_to: not (
                    type_ == "table" and name in {"apscheduler_jobs", "alembic_version"}
                ),
            },
        )
        return compare_metadata(context, SQLModel.metadata)

    async with db.engine.connect() as connection:
        assert await connection.run_sync(diff) == []


async def test_migrate_twice_is_harmless(db: Database) -> None:
    await db.migrate()
    async with db.engine.connect() as connection:
        version = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    assert version is not None


async def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            session.add(Identity(platform="console", user_id="x", member_id=12345))


async def test_sqlite_runs_in_wal_mode(sqlite_url: str) -> None:
    database = Database(sqlite_url)
    try:
        async with database.engine.connect() as connection:
            mode = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
            keys = (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar()
            sync = (await connection.exec_driver_sql("PRAGMA synchronous")).scalar()
        # FULL (2): a commit is on disk (the WAL is fsynced) before "saved" is said
        assert mode == "wal" and keys == 1 and sync == 2
    finally:
        await database.dispose()


def test_sync_url_for_the_job_store() -> None:
    assert Database("sqlite+aiosqlite:///./data/x.db").sync_url == "sqlite+pysqlite:///./data/x.db"
    pg = Database("postgresql+asyncpg://postgres@127.0.0.1:5432/werkbot")
    assert pg.sync_url == "postgresql+psycopg://postgres@127.0.0.1:5432/werkbot"
