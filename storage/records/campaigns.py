"""Records of opjutter campaigns: targets, campaigns and members' actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class TargetKind(StrEnum):
    """Who a target is (Dutch codes, as in CSV files)."""

    MP = "kamerlid"
    PARTY = "partij"
    COMMITTEE = "commissie"
    MINISTRY = "ministerie"
    MUNICIPALITY = "gemeente"
    OTHER = "anders"


class CampaignKind(StrEnum):
    """The action a campaign asks for."""

    MAIL = "mail"
    """Mail a politician or a party (a letter from a template)."""
    CALL = "bellen"
    SHARE = "delen"
    SIGN = "tekenen"
    ATTEND = "aanwezig"
    REACT = "reageren"
    """React to a (internet) consultation."""


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    LIVE = "live"
    PAUSED = "paused"
    STOPPED = "stopped"


class TargetMode(StrEnum):
    """Whom a campaign addresses."""

    NONE = "none"
    """No addressee (share, sign, attend)."""
    PARTY = "party"
    """The MPs of one or more parties (``target_names``: party names)."""
    COMMITTEE = "committee"
    """The members of one or more committees (``target_names``: committee names)."""
    NAMED = "named"
    """Named targets (``target_names``: target ids)."""
    SPREAD = "spread"
    """Every active MP; each member gets the next, so nobody gets all the mail."""


class ActionState(StrEnum):
    PROMPTED = "prompted"
    OPENED = "opened"
    LATER = "later"
    DONE = "done"
    DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class NewTarget:
    source: str
    external_id: str
    name: str
    kind: TargetKind
    party: str | None = None
    committees: tuple[str, ...] = ()
    email: str | None = None


@dataclass(frozen=True, slots=True)
class TargetRecord:
    id: int
    source: str
    external_id: str
    name: str
    kind: TargetKind
    party: str | None
    committees: tuple[str, ...]
    email: str | None
    active: bool


@dataclass(frozen=True, slots=True)
class NewCampaign:
    title: str
    why: str
    kind: CampaignKind
    deadline: datetime
    link: str | None = None
    subject: str | None = None
    template: str = ""
    audience: dict[str, list[str]] = field(default_factory=dict)
    goal: int | None = None
    target_mode: TargetMode = TargetMode.NONE
    target_names: tuple[str, ...] = ()
    allow_smtp: bool = False
    opjutter_id: int | None = None
    created_by: str | None = None


@dataclass(frozen=True, slots=True)
class CampaignRecord:
    id: int
    title: str
    why: str
    kind: CampaignKind
    status: CampaignStatus
    link: str | None
    subject: str | None
    template: str
    deadline: datetime
    audience: dict[str, list[str]]
    goal: int | None
    target_mode: TargetMode
    target_names: tuple[str, ...]
    allow_smtp: bool
    opjutter_id: int | None
    created_by: str | None
    launched_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ActionRecord:
    id: int
    campaign_id: int
    member_id: int | None
    state: ActionState
    target_id: int | None
    own_text: str | None
    sent_via: str | None
    prompted_at: datetime
    opened_at: datetime | None
    later_at: datetime | None
    nudged_at: datetime | None
    done_at: datetime | None
    declined_at: datetime | None
