"""The outbox: broadcasts and one row per recipient, so no bulk send lives only in memory.

A broadcast stores a template name and its parameters (rendered in each recipient's
language when it is sent); each recipient row says where the message stands. A crash at
any point loses nothing: rows still ``pending`` are sent after a restart, rows left in
``sending`` go back to ``pending`` once their lease runs out.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, LargeBinary
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class OutboxBroadcast(SQLModel, table=True):
    __tablename__ = "outbox_broadcasts"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    topic: str | None = Field(default=None, max_length=20)
    template: str = Field(max_length=60)
    params: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="running", max_length=12, index=True)
    created_by: str | None = Field(default=None, max_length=90)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    planned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    total: int = Field(default=0)
    report_platform: str | None = Field(default=None, max_length=20)
    report_chat: str | None = Field(default=None, max_length=64)
    report_message: str | None = Field(default=None, max_length=64)
    report_language: str | None = Field(default=None, max_length=5)
    """The language the organizer used when composing: their reports are in it."""


class OutboxMessage(SQLModel, table=True):
    """One recipient of a broadcast: a member (any platform) or an announcement chat."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_due", "state", "next_attempt_at"),
        Index("ix_outbox_messages_broadcast_state", "broadcast_id", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("outbox_broadcasts.id", ondelete="CASCADE"), nullable=False
        )
    )
    member_id: int | None = Field(default=None, index=True)
    chat_platform: str | None = Field(default=None, max_length=20)
    chat_id: str | None = Field(default=None, max_length=64)
    state: str = Field(default="pending", max_length=12)
    attempts: int = Field(default=0)
    platform: str | None = Field(default=None, max_length=20)
    """Where it went (telegram, discord, console, email)."""
    message_id: str | None = Field(default=None, max_length=64)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, max_length=200)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OutboxFile(SQLModel, table=True):
    """An image or file a broadcast carries, stored once however many get it."""

    __tablename__ = "outbox_files"

    id: int | None = Field(default=None, primary_key=True)
    filename: str = Field(max_length=200)
    mime_type: str = Field(max_length=100)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
