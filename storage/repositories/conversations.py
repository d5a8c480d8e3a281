"""Conversation states: read, create, advance (optimistically locked) and end."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import col

from storage.db import Database
from storage.models.conversations import ConversationState
from storage.records.conversations import StoredConversation
from storage.types import utcnow


class ConversationRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, platform: str, user_id: str) -> StoredConversation | None:
        """The live conversation of an account; an expired one counts as none."""
        async with self._db.session() as session:
            row = await session.get(ConversationState, (platform, user_id))
            if row is None or row.expires_at <= utcnow():
                return None
            return StoredConversation(
                row.flow, row.step, dict(row.data), row.version, row.expires_at
            )

    async def begin(
        self,
        platform: str,
        user_id: str,
        flow: str,
        step: str,
        data: dict[str, Any],
        expires_at: datetime,
    ) -> str | None:
        """Start (or restart) a flow for an account; returns the flow it replaced, if any."""
        async with self._db.transaction() as session:
            row = await session.get(ConversationState, (platform, user_id))
            if row is None:
                session.add(
                    ConversationState(
                        platform=platform,
                        user_id=user_id,
                        flow=flow,
                        step=step,
                        data=data,
                        expires_at=expires_at,
                    )
                )
                return None
            replaced = row.flow if row.expires_at > utcnow() else None
            row.flow, row.step, row.data = flow, step, data
            row.version += 1
            row.updated_at = utcnow()
            row.expires_at = expires_at
            return replaced

    async def advance(
        self,
        platform: str,
        user_id: str,
        expected_version: int,
        step: str,
        data: dict[str, Any],
        expires_at: datetime,
    ) -> bool:
        """Move to ``step`` only if nobody else moved first (a double press loses)."""
        async with self._db.transaction() as session:
            result = await session.exec(
                update(ConversationState)
                .where(
                    col(ConversationState.platform) == platform,
                    col(ConversationState.user_id) == user_id,
                    col(ConversationState.version) == expected_version,
                )
                .values(
                    step=step,
                    data=data,
                    version=expected_version + 1,
                    updated_at=utcnow(),
                    expires_at=expires_at,
                )
            )
            return result.rowcount == 1

    async def end(
        self,
        platform: str,
        user_id: str,
        expected_version: int | None = None,
        *,
        scrub: bool = False,
    ) -> bool:
        """Remove an account's conversation; ``scrub`` when its answers were personal
        (a stopped registration must leave no name or e-mail behind, not even in the WAL)."""
        async with self._db.transaction() as session:
            query = delete(ConversationState).where(
                col(ConversationState.platform) == platform,
                col(ConversationState.user_id) == user_id,
            )
            if expected_version is not None:
                query = query.where(col(ConversationState.version) == expected_version)
            result = await session.exec(query)
            ended = bool(result.rowcount == 1)
        if ended and scrub:
            await self._db.scrub()
        return ended

    async def scrub(self) -> None:
        """A replaced personal conversation: its old answers must not linger in the WAL."""
        await self._db.scrub()

    async def for_accounts(self, accounts: list[tuple[str, str]]) -> list[dict[str, Any]]:
        """The stored conversations of some accounts, for a data export."""
        found: list[dict[str, Any]] = []
        async with self._db.session() as session:
            for platform, user_id in accounts:
                row = await session.get(ConversationState, (platform, user_id))
                if row is not None:
                    found.append(
                        {
                            "platform": platform,
                            "flow": row.flow,
                            "step": row.step,
                            "answers_so_far": row.data,
                        }
                    )
        return found

    async def erase_for(self, accounts: list[tuple[str, str]]) -> int:
        """Remove the conversations of some accounts (a member's erasure), scrubbed."""
        removed = 0
        async with self._db.transaction() as session:
            for platform, user_id in accounts:
                result = await session.exec(
                    delete(ConversationState).where(
                        col(ConversationState.platform) == platform,
                        col(ConversationState.user_id) == user_id,
                    )
                )
                removed += int(result.rowcount or 0)
        if removed:
            await self._db.scrub()
        return removed

    async def purge_expired(self) -> int:
        """Abandoned conversations (possibly with a name and e-mail typed in) go, scrubbed."""
        async with self._db.transaction() as session:
            result = await session.exec(
                delete(ConversationState).where(col(ConversationState.expires_at) <= utcnow())
            )
            removed = int(result.rowcount or 0)
        if removed:
            await self._db.scrub()
        return removed
