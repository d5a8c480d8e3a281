"""Platform Vernieuwen Doen We Samen: profiles, matching rounds, introductions, requests.

A profile is a person (one member) or an organization (an initiative, company or agency,
with one or more members as its contacts). Rounds pair active profiles that said yes;
each pair (or the one trio) is a group whose members' answers ("Ik wil kennismaken",
"Hebben jullie elkaar gesproken?") live in ``platform_group_members``. A member's
"never pair me with" list is private: only the matching reads it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, Integer, PrimaryKeyConstraint, Text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class PlatformTag(SQLModel, table=True):
    """The curated vocabulary of what people offer and look for (organizers keep it)."""

    __tablename__ = "platform_tags"

    code: str = Field(primary_key=True, max_length=40)
    label: str = Field(max_length=80)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PlatformProfile(SQLModel, table=True):
    __tablename__ = "platform_profiles"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=12)
    """``persoon`` or ``organisatie``."""
    member_id: int | None = Field(default=None, unique=True)
    """The member a personal profile belongs to (None for an organization)."""
    name: str | None = Field(default=None, max_length=120)
    org_kind: str | None = Field(default=None, max_length=12)
    what: str | None = Field(default=None, max_length=600)
    website: str | None = Field(default=None, max_length=300)
    offers: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    needs: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    offer_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    need_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    region: str | None = Field(default=None, max_length=20)
    online: bool = Field(default=True)
    in_person: bool = Field(default=True)
    status: str = Field(default="active", max_length=10, index=True)
    snoozed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    silent_rounds: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PlatformContact(SQLModel, table=True):
    """Members who speak for a profile (for a person: the member)."""

    __tablename__ = "platform_contacts"
    __table_args__ = (PrimaryKeyConstraint("profile_id", "member_id"),)

    profile_id: int = Field(
        sa_column=Column(Integer, ForeignKey("platform_profiles.id", ondelete="CASCADE"))
    )
    member_id: int = Field(index=True)


class PlatformNever(SQLModel, table=True):
    """A member's private "never pair me with" list."""

    __tablename__ = "platform_never"
    __table_args__ = (PrimaryKeyConstraint("member_id", "profile_id"),)

    member_id: int = Field()
    profile_id: int = Field(
        sa_column=Column(Integer, ForeignKey("platform_profiles.id", ondelete="CASCADE"))
    )


class PlatformRound(SQLModel, table=True):
    __tablename__ = "platform_rounds"

    id: int | None = Field(default=None, primary_key=True)
    match_at: datetime = Field(sa_type=UTCDateTime, index=True)
    """When the pairs are made; participants are asked a day before."""
    status: str = Field(default="planned", max_length=10, index=True)
    seed: int = Field(default=0)
    repeat_weeks: int | None = Field(default=None)
    created_by: str | None = Field(default=None, max_length=90)
    matched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    stats: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PlatformAnswer(SQLModel, table=True):
    """[Doe mee] / [Deze keer niet] to a round."""

    __tablename__ = "platform_answers"
    __table_args__ = (PrimaryKeyConstraint("round_id", "profile_id"),)

    round_id: int = Field(
        sa_column=Column(Integer, ForeignKey("platform_rounds.id", ondelete="CASCADE"))
    )
    profile_id: int = Field(
        sa_column=Column(Integer, ForeignKey("platform_profiles.id", ondelete="CASCADE"))
    )
    joins: bool = Field()
    answered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PlatformGroup(SQLModel, table=True):
    """A pair (or the one trio) of a round, or two profiles linked by an accepted request."""

    __tablename__ = "platform_groups"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("platform_rounds.id", ondelete="CASCADE"), index=True),
    )
    score: float = Field(default=0.0)
    shared: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    question: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PlatformGroupMember(SQLModel, table=True):
    __tablename__ = "platform_group_members"
    __table_args__ = (PrimaryKeyConstraint("group_id", "profile_id"),)

    group_id: int = Field(
        sa_column=Column(Integer, ForeignKey("platform_groups.id", ondelete="CASCADE"))
    )
    profile_id: int = Field(
        sa_column=Column(Integer, ForeignKey("platform_profiles.id", ondelete="CASCADE"), index=True)
    )
    wants_contact: bool = Field(default=False)
    met: str | None = Field(default=None, max_length=10)
    """``ja``, ``gepland`` or ``nee`` after the round; None: no answer (yet)."""


class PlatformRequest(SQLModel, table=True):
    """``/zoek``: a contact request from one profile to another."""

    __tablename__ = "platform_requests"

    id: int | None = Field(default=None, primary_key=True)
    from_profile: int = Field(
        sa_column=Column(Integer, ForeignKey("platform_profiles.id", ondelete="CASCADE"), index=True)
    )
    to_profile: int = Field(
        sa_column=Column(Integer, ForeignKey("platform_profiles.id", ondelete="CASCADE"), index=True)
    )
    status: str = Field(default="pending", max_length=10)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
