"""Opjutter campaigns: calls to action, the people they address, and what members did.

``campaign_targets`` are the addressees (members of the Tweede Kamer loaded from its open
data, and anything else from a CSV: party programme committees, ministries,
municipalities). ``campaign_actions`` holds one row per member per campaign with where they
stand (prompted, opened, later, done, declined); its ``prompted_at`` is what the weekly cap
counts. On erasure a row loses its member and the member's own words but keeps its state,
target and segment, so the counts of a campaign stay what they were.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class CampaignTarget(SQLModel, table=True):
    """Someone a campaign writes to, calls or addresses."""

    __tablename__ = "campaign_targets"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_campaign_targets_source_external"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=20)
    """``tk`` (the Tweede Kamer's open data) or ``csv`` (an organizer's list)."""
    external_id: str = Field(max_length=100)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20, index=True)
    party: str | None = Field(default=None, max_length=100, index=True)
    committees: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    email: str | None = Field(default=None, max_length=254)
    active: bool = Field(default=True, index=True)
    """A member who left the Kamer stays (old campaigns count them) but is no longer offered."""
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Campaign(SQLModel, table=True):
    __tablename__ = "campaigns"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    why: str = Field(default="", sa_column=Column(Text, nullable=False))
    kind: str = Field(max_length=20)
    status: str = Field(default="draft", max_length=12, index=True)
    link: str | None = Field(default=None, max_length=500)
    subject: str | None = Field(default=None, max_length=200)
    template: str = Field(default="", sa_column=Column(Text, nullable=False))
    deadline: datetime = Field(sa_type=UTCDateTime, index=True)
    audience: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    goal: int | None = Field(default=None)
    target_mode: str = Field(default="none", max_length=12)
    target_names: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    """Parties, committees or target ids, by ``target_mode``."""
    allow_smtp: bool = Field(default=False)
    opjutter_id: int | None = Field(default=None, index=True)
    """The member who started it (the leaderboard); None for an organizer without a member."""
    created_by: str | None = Field(default=None, max_length=90)
    launched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CampaignAction(SQLModel, table=True):
    """Where one member stands in one campaign."""

    __tablename__ = "campaign_actions"
    __table_args__ = (
        UniqueConstraint("campaign_id", "member_id", name="uq_campaign_actions_campaign_member"),
        Index("ix_campaign_actions_member_prompted", "member_id", "prompted_at"),
        Index("ix_campaign_actions_campaign_target", "campaign_id", "target_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(
        sa_column=Column(Integer, ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False)
    )
    member_id: int | None = Field(default=None)
    """None once the member is erased (the row still counts)."""
    state: str = Field(max_length=12)
    target_id: int | None = Field(default=None)
    own_text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    sent_via: str | None = Field(default=None, max_length=8)
    work_situation: str | None = Field(default=None, max_length=20)
    province: str | None = Field(default=None, max_length=20)
    member_kind: str | None = Field(default=None, max_length=20)
    prompted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    later_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    nudged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    declined_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OpjutterName(SQLModel, table=True):
    """An opjutter's choice to appear by name on the leaderboard (absent: anonymous)."""

    __tablename__ = "campaign_opjutter_names"

    member_id: int = Field(primary_key=True)
    show_name: bool = Field(default=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
