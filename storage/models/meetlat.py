"""The Modern Werkenden Meetlat and the Sociaal Keurmerk.

Criteria (checkpoints) and methodology versions; items (services, companies, tools)
that organizers add or approve; members' ratings (one current per member and item with
its answers per criterion, earlier versions in ``meetlat_rating_history``); burst flags; awarded marks; and the organizations' appeals.
Who gave which rating is stored only to keep one rating per member, to export and erase
it: no organizer view reads it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class MeetlatCriterion(SQLModel, table=True):
    __tablename__ = "meetlat_criteria"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=60)
    explanation: str = Field(max_length=200)
    active: bool = Field(default=True)
    position: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MeetlatMethod(SQLModel, table=True):
    """A methodology version: which criteria are scored and with which numbers, from when."""

    __tablename__ = "meetlat_methods"

    version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    description: str = Field(sa_column=Column(Text, nullable=False))
    applies_from: datetime = Field(sa_type=UTCDateTime)
    criteria: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    params: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_by: str | None = Field(default=None, max_length=90)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MeetlatItem(SQLModel, table=True):
    __tablename__ = "meetlat_items"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    name_key: str = Field(max_length=120, unique=True)
    """The name folded for comparison: one item per name."""
    kind: str = Field(max_length=12)
    website: str | None = Field(default=None, max_length=300)
    sector: str | None = Field(default=None, max_length=60)
    organization_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("organizations.id", ondelete="SET NULL"), nullable=True, index=True),
    )
    """The sponsor this item is (its representatives' ratings of it never count)."""
    status: str = Field(default="proposed", max_length=10, index=True)
    proposed_by: int | None = Field(default=None, index=True)
    decided_by: str | None = Field(default=None, max_length=90)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    evidence_checked_by: str | None = Field(default=None, max_length=90)
    evidence_checked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reply: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """The organization's reply to its scores, shown with them."""
    reply_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MeetlatContact(SQLModel, table=True):
    """Members who speak for an item's organization (reply, appeal)."""

    __tablename__ = "meetlat_contacts"
    __table_args__ = (PrimaryKeyConstraint("item_id", "member_id"),)

    item_id: int = Field(sa_column=Column(Integer, ForeignKey("meetlat_items.id", ondelete="CASCADE")))
    member_id: int = Field(index=True)


class MeetlatFlag(SQLModel, table=True):
    """A burst of ratings for one item, for organizers to judge."""

    __tablename__ = "meetlat_flags"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(sa_column=Column(Integer, ForeignKey("meetlat_items.id", ondelete="CASCADE"), index=True))
    detected_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    window_start: datetime = Field(sa_type=UTCDateTime)
    ratings: int = Field(default=0)
    new_accounts: int = Field(default=0)
    expected: float = Field(default=0.0)
    status: str = Field(default="open", max_length=10, index=True)
    decided_by: str | None = Field(default=None, max_length=90)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MeetlatRating(SQLModel, table=True):
    """A member's current rating of an item."""

    __tablename__ = "meetlat_ratings"
    __table_args__ = (UniqueConstraint("item_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(sa_column=Column(Integer, ForeignKey("meetlat_items.id", ondelete="CASCADE"), index=True))
    member_id: int = Field(index=True)
    used: bool = Field(default=True)
    works_there: bool = Field(default=False)
    scores: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    """Criterion number (as text) → 1..5; a skipped criterion is absent. On the row, not in
    a table of its own: the scores read every rating at once, five times fewer rows."""
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    flag_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("meetlat_flags.id", ondelete="SET NULL"), nullable=True, index=True),
    )
    first_rated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    rated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class MeetlatRatingHistory(SQLModel, table=True):
    """An earlier version of a rating, kept when it was changed (the member's own history)."""

    __tablename__ = "meetlat_rating_history"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(sa_column=Column(Integer, ForeignKey("meetlat_items.id", ondelete="CASCADE"), index=True))
    member_id: int = Field(index=True)
    used: bool = Field(default=True)
    works_there: bool = Field(default=False)
    scores: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    rated_at: datetime = Field(sa_type=UTCDateTime)
    replaced_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MeetlatMark(SQLModel, table=True):
    """A Sociaal Keurmerk awarded to an item: its level, method, validity and the scores."""

    __tablename__ = "meetlat_marks"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(sa_column=Column(Integer, ForeignKey("meetlat_items.id", ondelete="CASCADE"), index=True))
    level: str = Field(max_length=10)
    method_version: int = Field()
    awarded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    valid_until: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default="active", max_length=10, index=True)
    """``active``, ``expired``, ``replaced`` (by a new award) or ``withdrawn``."""
    snapshot: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    """The scores it was awarded on (overall, per criterion: score, n, spread)."""
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason: str | None = Field(default=None, max_length=500)


class MeetlatAppeal(SQLModel, table=True):
    """An organization's appeal against its scores or mark; an organizer records the outcome."""

    __tablename__ = "meetlat_appeals"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(sa_column=Column(Integer, ForeignKey("meetlat_items.id", ondelete="CASCADE"), index=True))
    member_id: int | None = Field(default=None, index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="open", max_length=10, index=True)
    outcome: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    decided_by: str | None = Field(default=None, max_length=90)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
