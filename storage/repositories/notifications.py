"""Members' choices of what they receive (topics) and how (channel)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from storage.db import Database
from storage.models.notifications import NotificationSetting, TopicSubscription
from storage.types import table_of, utcnow

_topics = table_of(TopicSubscription)
_settings = table_of(NotificationSetting)
CHUNK = 900
"""Ids per ``IN (…)``: well below SQLite's limit on parameters."""


class NotificationRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def set_topic(self, member_id: int, topic: str, wanted: bool) -> bool:
        """Turn one topic on or off; True when something changed."""
        async with self._db.begin() as conn:
            found = (
                await conn.execute(
                    select(_topics.c.member_id).where(
                        _topics.c.member_id == member_id, _topics.c.topic == topic
                    )
                )
            ).first()
            if wanted and found is None:
                await conn.execute(
                    insert(_topics).values(member_id=member_id, topic=topic, since=utcnow())
                )
                return True
            if not wanted and found is not None:
                await conn.execute(
                    delete(_topics).where(
                        _topics.c.member_id == member_id, _topics.c.topic == topic
                    )
                )
                return True
            return False

    async def topics_of(self, member_id: int) -> dict[str, datetime]:
        async with self._db.engine.connect() as conn:
            result = await conn.execute(
                select(_topics.c.topic, _topics.c.since).where(_topics.c.member_id == member_id)
            )
            return {topic: since for topic, since in result}

    async def subscribers(self, topic: str, among: Iterable[int] | None = None) -> set[int]:
        """Members with ``topic`` on (of ``among``, when given)."""
        query = select(_topics.c.member_id).where(_topics.c.topic == topic)
        async with self._db.engine.connect() as conn:
            if among is None:
                return {int(m) for (m,) in await conn.execute(query)}
            wanted = list(among)
            found: set[int] = set()
            for start in range(0, len(wanted), CHUNK):
                chunk = wanted[start : start + CHUNK]
                found |= {
                    int(m)
                    for (m,) in await conn.execute(query.where(_topics.c.member_id.in_(chunk)))
                }
            return found

    async def setting(self, member_id: int) -> tuple[str, datetime | None]:
        """(channel, when we asked about topics) of a member; ("chat", None) by default."""
        async with self._db.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(_settings.c.channel, _settings.c.asked_at).where(
                        _settings.c.member_id == member_id
                    )
                )
            ).first()
            return ("chat", None) if row is None else (row.channel, row.asked_at)

    async def channels(self, member_ids: Iterable[int]) -> dict[int, str]:
        """The channel of each member who chose one (the others: chat)."""
        wanted = list(member_ids)
        found: dict[int, str] = {}
        async with self._db.engine.connect() as conn:
            for start in range(0, len(wanted), CHUNK):
                chunk = wanted[start : start + CHUNK]
                result = await conn.execute(
                    select(_settings.c.member_id, _settings.c.channel).where(
                        _settings.c.member_id.in_(chunk)
                    )
                )
                found.update({int(m): channel for m, channel in result})
        return found

    async def _upsert(self, member_id: int, **values: Any) -> None:
        async with self._db.begin() as conn:
            result = await conn.execute(
                update(_settings).where(_settings.c.member_id == member_id).values(**values)
            )
            if result.rowcount == 0:
                await conn.execute(insert(_settings).values(member_id=member_id, **values))

    async def set_channel(self, member_id: int, channel: str) -> None:
        await self._upsert(member_id, channel=channel)

    async def mark_asked(self, member_id: int) -> bool:
        """Record that the member was asked about topics; False when they were before."""
        _channel, asked = await self.setting(member_id)
        if asked is not None:
            return False
        await self._upsert(member_id, asked_at=utcnow())
        return True

    async def erase(self, member_id: int) -> None:
        async with self._db.begin() as conn:
            await conn.execute(delete(_topics).where(_topics.c.member_id == member_id))
            await conn.execute(delete(_settings).where(_settings.c.member_id == member_id))
