"""Records of the Platform Vernieuwen Doen We Samen: profiles, rounds, groups, requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ProfileKind(StrEnum):
    PERSON = "persoon"
    ORGANIZATION = "organisatie"


class OrgKind(StrEnum):
    """What an innovator organization is."""

    INITIATIVE = "initiatief"
    COMPANY = "bedrijf"
    AGENCY = "bureau"


class ProfileStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"


class RoundStatus(StrEnum):
    PLANNED = "planned"
    """Participants are asked a day before ``match_at``."""
    ASKING = "asking"
    MATCHED = "matched"
    CLOSED = "closed"
    """Feedback asked; the next round (if it repeats) is planned."""
    CANCELLED = "cancelled"


class Met(StrEnum):
    YES = "ja"
    PLANNED = "gepland"
    NO = "nee"


class RequestStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class TagRecord:
    code: str
    label: str
    active: bool


@dataclass(frozen=True, slots=True)
class ProfileRecord:
    id: int
    kind: ProfileKind
    member_id: int | None
    name: str | None
    org_kind: OrgKind | None
    what: str | None
    website: str | None
    offers: tuple[str, ...]
    needs: tuple[str, ...]
    offer_text: str
    need_text: str
    region: str | None
    online: bool
    in_person: bool
    status: ProfileStatus
    snoozed_until: datetime | None
    silent_rounds: int
    contacts: tuple[int, ...] = ()
    """Members who speak for the profile."""


@dataclass(frozen=True, slots=True)
class RoundRecord:
    id: int
    match_at: datetime
    status: RoundStatus
    seed: int
    repeat_weeks: int | None
    created_by: str | None
    matched_at: datetime | None
    stats: dict[str, int | float]


@dataclass(frozen=True, slots=True)
class GroupMember:
    profile_id: int
    wants_contact: bool
    met: Met | None


@dataclass(frozen=True, slots=True)
class GroupRecord:
    id: int
    round_id: int | None
    score: float
    shared: tuple[str, ...]
    question: str
    members: tuple[GroupMember, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RequestRecord:
    id: int
    from_profile: int
    to_profile: int
    status: RequestStatus
    created_at: datetime
