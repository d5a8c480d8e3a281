"""Records of the members module: members, their platform accounts, sponsors, codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.vocabulary import MemberKind, Province, WorkSituation


@dataclass(frozen=True, slots=True)
class MemberRecord:
    id: int
    kind: MemberKind
    name: str | None
    email: str | None
    email_verified_at: datetime | None
    work_situation: WorkSituation | None
    province: Province | None
    language: str | None
    organization_id: int | None
    consent_at: datetime | None
    created_at: datetime
    erased_at: datetime | None

    @property
    def verified(self) -> bool:
        return self.email_verified_at is not None


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """A platform account (``telegram``/``12345``) and the member it belongs to, if any."""

    platform: str
    user_id: str
    member_id: int | None
    language: str | None
    unreachable_at: datetime | None
    linked_at: datetime


@dataclass(frozen=True, slots=True)
class OrganizationRecord:
    id: int
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class VerificationRecord:
    member_id: int
    code_hash: str
    expires_at: datetime
    attempts: int
    sent_count: int
    last_sent_at: datetime


@dataclass(frozen=True, slots=True)
class RoleGrantRecord:
    member_id: int
    role: str
    granted_by: str | None
    granted_at: datetime


@dataclass(frozen=True, slots=True)
class CallerRecord:
    """What resolving an account finds: the account, its member and the member's other
    accounts and granted roles."""

    account: AccountRecord | None
    member: MemberRecord | None
    roles: frozenset[str]
    linked: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class NewMember:
    name: str
    email: str
    work_situation: WorkSituation
    province: Province
    language: str | None
    consent_at: datetime


@dataclass(frozen=True, slots=True)
class MemberFilter:
    """Which members: all, or those with one of these work situations, provinces, kinds."""

    work_situations: frozenset[str] = frozenset()
    provinces: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    verified_only: bool = False
