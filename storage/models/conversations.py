"""The state of multi-step conversations, so a restart in the middle loses nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class ConversationState(SQLModel, table=True):
    """Where one platform account is in one flow; ``version`` guards against double presses."""

    __tablename__ = "conversation_states"

    platform: str = Field(primary_key=True, max_length=20)
    user_id: str = Field(primary_key=True, max_length=64)
    flow: str = Field(max_length=40)
    step: str = Field(max_length=40)
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = Field(default=1)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
