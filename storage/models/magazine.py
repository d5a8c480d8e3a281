"""The Magazine van de Vernieuwing: editions, members' contributions, and their files.

Files (covers, PDFs, a contribution's attachment) are stored once in ``magazine_files``.
A file a member uploaded carries their member number for as long as it is theirs (a
contribution's file, or one sent in a conversation that has not ended yet), so erasure
finds it; an edition's files belong to the association and carry none.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Integer, LargeBinary
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class MagazineFile(SQLModel, table=True):
    __tablename__ = "magazine_files"

    id: int | None = Field(default=None, primary_key=True)
    filename: str = Field(max_length=200)
    mime_type: str = Field(max_length=100)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    member_id: int | None = Field(default=None, index=True)
    """The member who sent it, while it is theirs; None for an edition's files."""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MagazineEdition(SQLModel, table=True):
    """One edition: its number is unique; a link, a PDF or both."""

    __tablename__ = "magazine_editions"

    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True)
    title: str = Field(max_length=200)
    published_on: date
    summary: str = Field(max_length=1000)
    link_url: str | None = Field(default=None, max_length=500)
    cover_file_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("magazine_files.id"), nullable=True)
    )
    pdf_file_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("magazine_files.id"), nullable=True)
    )
    broadcast_id: int | None = Field(default=None)
    created_by: str | None = Field(default=None, max_length=90)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MagazineContribution(SQLModel, table=True):
    """An opinion, advice or story a member sent to the editors.

    Erasure empties ``member_id``, ``author_name``, ``text`` and the file and sets
    ``erased_at``: what stays (kind, state, dates) says nothing about the person.
    """

    __tablename__ = "magazine_contributions"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int | None = Field(default=None, index=True)
    author_name: str | None = Field(default=None, max_length=200)
    kind: str = Field(max_length=10)
    text: str | None = Field(default=None, max_length=2000)
    file_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("magazine_files.id", ondelete="SET NULL"), nullable=True
        ),
    )
    state: str = Field(default="new", max_length=10, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: str | None = Field(default=None, max_length=90)
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
