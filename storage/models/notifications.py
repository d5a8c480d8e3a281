"""What members chose to receive: topics (nothing unless chosen) and the channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class TopicSubscription(SQLModel, table=True):
    __tablename__ = "topic_subscriptions"

    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    )
    topic: str = Field(sa_column=Column(String(20), primary_key=True))
    since: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NotificationSetting(SQLModel, table=True):
    """A member's own choices beyond topics: the channel, and whether we asked already."""

    __tablename__ = "notification_settings"

    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    )
    channel: str = Field(default="chat", max_length=10)
    asked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
