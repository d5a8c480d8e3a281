"""Records of the Meetlat: criteria, methods, items, ratings, flags, marks, appeals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class ItemKind(StrEnum):
    SERVICE = "dienst"
    COMPANY = "bedrijf"
    TOOL = "tool"


class ItemStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"


class FlagStatus(StrEnum):
    OPEN = "open"
    """Counted until an organizer decides."""
    HELD = "held"
    """Held out of the score (organizers still see the aggregate with them)."""
    CLEARED = "cleared"


class MarkStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REPLACED = "replaced"
    WITHDRAWN = "withdrawn"


class AppealStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class CriterionRecord:
    id: int
    code: str
    name: str
    explanation: str
    active: bool
    position: int


@dataclass(frozen=True, slots=True)
class MethodRecord:
    version: int
    description: str
    applies_from: datetime
    criteria: tuple[int, ...]
    params: dict[str, Any]
    created_by: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewItem:
    name: str
    kind: ItemKind
    website: str | None = None
    sector: str | None = None


@dataclass(frozen=True, slots=True)
class ItemRecord:
    id: int
    name: str
    kind: ItemKind
    website: str | None
    sector: str | None
    organization_id: int | None
    status: ItemStatus
    proposed_by: int | None
    evidence_checked_at: datetime | None
    reply: str | None
    reply_at: datetime | None
    created_at: datetime

    @property
    def sponsor(self) -> bool:
        return self.organization_id is not None


@dataclass(frozen=True, slots=True)
class RatingInput:
    """What a member answered in the rating conversation."""

    used: bool
    works_there: bool
    scores: dict[int, int] = field(default_factory=dict)
    note: str | None = None


@dataclass(frozen=True, slots=True)
class RatingRecord:
    id: int
    item_id: int
    member_id: int
    used: bool
    works_there: bool
    note: str | None
    flag_id: int | None
    first_rated_at: datetime
    rated_at: datetime
    scores: dict[int, int]


@dataclass(frozen=True, slots=True)
class RatingRow:
    """A rating as the score needs it: no note, the flag's state instead of its number."""

    item_id: int
    member_id: int
    used: bool
    works_there: bool
    held: bool
    flag_id: int | None
    rated_at: datetime
    scores: dict[int, int]


@dataclass(frozen=True, slots=True)
class SavedRating:
    rating: RatingRecord
    changed: bool
    """True when it replaced an earlier rating of the member (kept in the history)."""


@dataclass(frozen=True, slots=True)
class FlagRecord:
    id: int
    item_id: int
    detected_at: datetime
    window_start: datetime
    ratings: int
    new_accounts: int
    expected: float
    status: FlagStatus


@dataclass(frozen=True, slots=True)
class MarkRecord:
    id: int
    item_id: int
    level: str
    method_version: int
    awarded_at: datetime
    valid_until: datetime
    status: MarkStatus
    snapshot: dict[str, Any]
    ended_at: datetime | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class AppealRecord:
    id: int
    item_id: int
    member_id: int | None
    text: str
    status: AppealStatus
    outcome: str | None
    decided_at: datetime | None
    created_at: datetime
