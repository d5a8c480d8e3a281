"""Records of the magazine: editions, contributions and stored files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class ContributionKind(StrEnum):
    """What a member sends the editors (Dutch codes, as the shared vocabularies)."""

    OPINION = "mening"
    ADVICE = "advies"
    STORY = "verhaal"


class ContributionState(StrEnum):
    NEW = "new"
    ACCEPTED = "accepted"
    DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class StoredFile:
    id: int
    filename: str
    mime_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class FileInfo:
    """A stored file without its bytes."""

    id: int
    filename: str
    mime_type: str
    size: int


@dataclass(frozen=True, slots=True)
class NewEdition:
    number: int
    title: str
    published_on: date
    summary: str
    link_url: str | None
    cover_file_id: int | None
    pdf_file_id: int | None
    created_by: str | None


@dataclass(frozen=True, slots=True)
class EditionRecord:
    id: int
    number: int
    title: str
    published_on: date
    summary: str
    link_url: str | None
    cover_file_id: int | None
    pdf_file_id: int | None
    broadcast_id: int | None
    created_by: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewContribution:
    member_id: int
    author_name: str | None
    kind: ContributionKind
    text: str
    file_id: int | None


@dataclass(frozen=True, slots=True)
class ContributionRecord:
    id: int
    member_id: int | None
    author_name: str | None
    kind: ContributionKind
    text: str | None
    file: FileInfo | None
    state: ContributionState
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
