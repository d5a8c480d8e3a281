"""Databases for tests: a SQLite file per test, and a PostgreSQL database per test run.

PostgreSQL keeps its state between runs, so every run creates a database with a fresh
name and drops it at the end.
"""

from __future__ import annotations

import asyncio
import os
import uuid

import asyncpg

PG_ADMIN_DSN = os.environ.get("WERKBOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


async def _pg_reachable() -> bool:
    try:
        connection = await asyncio.wait_for(asyncpg.connect(PG_ADMIN_DSN), timeout=3)
    except Exception:
        return False
    await connection.close()
    return True


def pg_reachable() -> bool:
    return asyncio.run(_pg_reachable())


async def create_pg_database() -> str:
    name = f"werkbot_test_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return name


async def drop_pg_database(name: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def pg_url(name: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{name}"
