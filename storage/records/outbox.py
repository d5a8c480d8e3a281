"""Records of the outbox: broadcasts, their recipients, and what happened to each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class BroadcastStatus(StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    STOPPED = "stopped"
    """Stopped by an organizer while running: what was sent stays sent, the rest waits."""
    CANCELLED = "cancelled"
    """Cancelled before it started (a planned broadcast)."""
    DONE = "done"

    @property
    def over(self) -> bool:
        return self in (BroadcastStatus.CANCELLED, BroadcastStatus.DONE)


class RecipientState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNREACHABLE = "unreachable"
    SKIPPED = "skipped"
    """Not sent on purpose (the member was erased, or the broadcast was stopped)."""

    @property
    def final(self) -> bool:
        return self not in (RecipientState.PENDING, RecipientState.SENDING)


@dataclass(frozen=True)
class NewBroadcast:
    title: str
    template: str
    params: dict[str, Any]
    topic: str | None
    created_by: str | None
    members: tuple[int, ...] = ()
    chats: tuple[tuple[str, str], ...] = ()
    """Announcement chats as (platform, chat id)."""
    planned_at: datetime | None = None
    report_to: tuple[str, str] | None = None
    """Where progress and the final report go, as (platform, chat id)."""
    report_language: str | None = None


@dataclass(frozen=True)
class BroadcastRecord:
    id: int
    title: str
    topic: str | None
    template: str
    params: dict[str, Any]
    status: BroadcastStatus
    created_by: str | None
    created_at: datetime
    planned_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    total: int
    report_to: tuple[str, str] | None
    report_language: str | None
    report_message: str | None


@dataclass(frozen=True, slots=True)
class Claimed:
    """A recipient row taken for sending (its lease keeps other senders off it)."""

    id: int
    broadcast_id: int
    member_id: int | None
    chat: tuple[str, str] | None
    attempts: int
    lease_until: datetime
    """Also the claim's token: only the sender holding this lease may record the outcome."""


@dataclass(frozen=True, slots=True)
class Delivered:
    """What happened to one claimed row."""

    id: int
    state: RecipientState
    platform: str | None = None
    message_id: str | None = None
    error: str | None = None
    retry_at: datetime | None = None
    """Set with ``state=PENDING``: try again at this time."""
    claim: datetime | None = None
    """The ``lease_until`` of the claim; an outcome whose lease was taken over by another
    sender (after it ran out) is not written."""


@dataclass(frozen=True)
class BroadcastCounts:
    """Recipients per (platform or None, state)."""

    by_platform: dict[tuple[str | None, RecipientState], int] = field(default_factory=dict)

    def state(self, state: RecipientState | str) -> int:
        return sum(n for (_p, s), n in self.by_platform.items() if s == state)

    @property
    def total(self) -> int:
        return sum(self.by_platform.values())

    @property
    def open(self) -> int:
        return self.state(RecipientState.PENDING) + self.state(RecipientState.SENDING)


@dataclass(frozen=True)
class FailedRecipient:
    """A row for the failure report: no personal data beyond the member number."""

    member_id: int | None
    chat: str | None
    platform: str | None
    state: RecipientState
    attempts: int
    error: str | None
