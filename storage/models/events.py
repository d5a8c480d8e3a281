"""Events: gatherings with a programme, members' sign-ups, door staff and check-ins.

One row per member per event in ``event_signups`` holds where they stand (going,
waitlisted, offered a freed place, not going); capacity is decided by the database: every
change of an event's sign-ups first locks the event row (``UPDATE … WHERE id``: a row lock
on PostgreSQL, the write lock on SQLite), so two presses at the same moment are counted
one after the other and the event never gets one more than its capacity.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class Event(SQLModel, table=True):
    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(max_length=80, unique=True)
    sequence: int = Field(default=0)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    kind: str = Field(max_length=20)
    status: str = Field(default="planned", max_length=12, index=True)
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    time_zone: str = Field(default="Europe/Amsterdam", max_length=40)
    venue_name: str | None = Field(default=None, max_length=200)
    venue_address: str | None = Field(default=None, max_length=300)
    map_url: str | None = Field(default=None, max_length=500)
    online_url: str | None = Field(default=None, max_length=500)
    capacity: int | None = Field(default=None)
    rsvp_deadline: datetime | None = Field(default=None, sa_type=UTCDateTime)
    allow_guest: bool = Field(default=False)
    audience: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    discord_event_id: str | None = Field(default=None, max_length=32)
    created_by: str | None = Field(default=None, max_length=90)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EventSession(SQLModel, table=True):
    """A part of the programme (a workshop, a talk) with its own time, room and capacity."""

    __tablename__ = "event_sessions"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("events.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    title: str = Field(max_length=200)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    room: str | None = Field(default=None, max_length=100)
    capacity: int | None = Field(default=None)
    description: str | None = Field(default=None, max_length=2000)


class EventSignup(SQLModel, table=True):
    """Where one member stands for one event; ``position`` is the order of arrival."""

    __tablename__ = "event_signups"
    __table_args__ = (
        UniqueConstraint("event_id", "member_id", name="uq_event_signups_event_member"),
        Index("ix_event_signups_event_state", "event_id", "state", "position"),
        Index("ix_event_signups_event_position", "event_id", "position"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(
        sa_column=Column(Integer, ForeignKey("events.id", ondelete="CASCADE"), nullable=False)
    )
    member_id: int = Field(index=True)
    state: str = Field(max_length=12)
    guest: bool = Field(default=False)
    position: int = Field(default=0)
    offered_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminders: bool = Field(default=True)
    checkin_code: str = Field(max_length=40, unique=True)
    checked_in_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    checked_in_by: str | None = Field(default=None, max_length=90)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EventSessionChoice(SQLModel, table=True):
    """A session a member who signed up chose."""

    __tablename__ = "event_session_choices"
    __table_args__ = (PrimaryKeyConstraint("signup_id", "session_id"),)

    signup_id: int = Field(
        sa_column=Column(Integer, ForeignKey("event_signups.id", ondelete="CASCADE"))
    )
    session_id: int = Field(
        sa_column=Column(Integer, ForeignKey("event_sessions.id", ondelete="CASCADE"), index=True)
    )


class EventDoorStaff(SQLModel, table=True):
    """Members an organizer named to check people in at one event's door."""

    __tablename__ = "event_door_staff"
    __table_args__ = (PrimaryKeyConstraint("event_id", "member_id"),)

    event_id: int = Field(
        sa_column=Column(Integer, ForeignKey("events.id", ondelete="CASCADE"))
    )
    member_id: int = Field(index=True)
