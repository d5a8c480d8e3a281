"""Members, their platform identities, roles, sponsor organizations and one-time codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class Organization(SQLModel, table=True):
    """A sponsor organization: however many representatives, it has exactly one voice."""

    __tablename__ = "organizations"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Member(SQLModel, table=True):
    """One person (deelnemer) or one representative of a sponsor, on every platform.

    After erasure the row stays as an anonymous tombstone (id, kind, erased_at) so that
    anonymous contributions elsewhere keep their integrity; all personal fields are empty.
    """

    __tablename__ = "members"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default="deelnemer", max_length=20)
    name: str | None = Field(default=None, max_length=120)
    email: str | None = Field(default=None, max_length=254, unique=True)
    email_verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    work_situation: str | None = Field(default=None, max_length=40)
    province: str | None = Field(default=None, max_length=40)
    language: str | None = Field(default=None, max_length=5)
    organization_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("organizations.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    consent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Identity(SQLModel, table=True):
    """A platform account (``telegram``/``12345``) and the member it belongs to, if any.

    Display names are deliberately not stored: they are not proof of anything.
    """

    __tablename__ = "identities"

    platform: str = Field(primary_key=True, max_length=20)
    user_id: str = Field(primary_key=True, max_length=64)
    member_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=True, index=True
        ),
    )
    language: str | None = Field(default=None, max_length=5)
    unreachable_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    linked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RoleGrant(SQLModel, table=True):
    """A role given by an organizer (e.g. opjutter); organizers and admins come from settings."""

    __tablename__ = "role_grants"

    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    )
    role: str = Field(sa_column=Column(String(20), primary_key=True))
    granted_by: str | None = Field(default=None, max_length=90)
    granted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class VerificationCode(SQLModel, table=True):
    """The e-mail confirmation code of a member, stored only as a hash."""

    __tablename__ = "verification_codes"

    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    )
    code_hash: str = Field(max_length=64)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    attempts: int = Field(default=0)
    sent_count: int = Field(default=1)
    last_sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LinkCode(SQLModel, table=True):
    """A one-time code that links another platform account to a member (10 minutes)."""

    __tablename__ = "link_codes"

    code_hash: str = Field(primary_key=True, max_length=64)
    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    expires_at: datetime = Field(sa_type=UTCDateTime)
