"""Records of events: gatherings, their programme, sign-ups and check-ins.

Times are aware UTC datetimes; an event also keeps the name of its time zone (always
Europe/Amsterdam today) so it is shown, and put in calendars, at the right local time on
both sides of the change to and from summer time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class EventKind(StrEnum):
    """Dutch codes, as the shared vocabularies."""

    FESTIVAL = "festival"
    BIJEENKOMST = "bijeenkomst"
    PLATFORM = "platform"


class EventStatus(StrEnum):
    PLANNED = "planned"
    CANCELLED = "cancelled"


class SignupState(StrEnum):
    """Where a member stands for an event.

    ``going`` counts in the capacity (with their guest); ``waitlisted`` waits in order of
    arrival; ``offered`` has a freed place held for them until ``offered_until`` (it
    counts in the capacity while held); ``not_going`` said no, or gave their place back.
    """

    GOING = "going"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"
    NOT_GOING = "not_going"


@dataclass(frozen=True, slots=True)
class Venue:
    name: str | None = None
    address: str | None = None
    map_url: str | None = None
    online_url: str | None = None


@dataclass(frozen=True, slots=True)
class NewSession:
    """A part of the programme: a workshop or talk with its own time and room."""

    title: str
    starts_at: datetime
    ends_at: datetime
    room: str | None = None
    capacity: int | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id: int
    event_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    room: str | None
    capacity: int | None
    description: str | None


@dataclass(frozen=True, slots=True)
class NewEvent:
    title: str
    description: str
    kind: EventKind
    starts_at: datetime
    ends_at: datetime
    venue: Venue
    capacity: int | None = None
    rsvp_deadline: datetime | None = None
    allow_guest: bool = False
    audience: dict[str, list[str]] = field(default_factory=dict)
    """Segments as in surveys: ``work_situation``, ``province``, ``kind`` → codes."""
    sessions: tuple[NewSession, ...] = ()
    time_zone: str = "Europe/Amsterdam"
    created_by: str | None = None


@dataclass(frozen=True, slots=True)
class EventRecord:
    id: int
    uid: str
    """Stable for calendars (``<random>@werkbot``): the same event in every .ics file."""
    sequence: int
    """Raised on every change people should see (time, place, cancellation)."""
    title: str
    description: str
    kind: EventKind
    status: EventStatus
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    venue: Venue
    capacity: int | None
    rsvp_deadline: datetime | None
    allow_guest: bool
    audience: dict[str, list[str]]
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    sessions: tuple[SessionRecord, ...] = ()
    discord_event_id: str | None = None


@dataclass(frozen=True, slots=True)
class SignupRecord:
    id: int
    event_id: int
    member_id: int
    state: SignupState
    guest: bool
    position: int
    """Order of arrival (the waitlist is served in this order)."""
    offered_until: datetime | None
    reminders: bool
    checkin_code: str
    """A random secret (≥ 128 bits, base32): nothing personal in it."""
    checked_in_at: datetime | None
    checked_in_by: str | None
    created_at: datetime
    updated_at: datetime
    session_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class DoorEntry:
    """One line of the door list: who may come in, and whether they have."""

    signup_id: int
    member_id: int
    name: str
    guest: bool
    checkin_code: str
    checked_in_at: datetime | None
    sessions: tuple[str, ...] = ()
