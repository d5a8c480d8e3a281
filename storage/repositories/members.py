"""Members, identities, roles, organizations and codes: every query the members module needs."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam, delete, func, literal, or_, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from storage.db import Database
from storage.models import (
    ConversationState,
    Identity,
    LinkCode,
    Member,
    Organization,
    RoleGrant,
    VerificationCode,
)
from storage.types import utcnow

_Method = TypeVar("_Method", bound=Callable[..., Any])

_ACCOUNT = (
    select(Identity, Member)
    .outerjoin(Member, col(Member.id) == col(Identity.member_id))
    .where(Identity.platform == bindparam("platform"), Identity.user_id == bindparam("user_id"))
)
_ROLES_AND_ACCOUNTS = union_all(
    select(literal("role"), col(RoleGrant.role), literal("")).where(
        RoleGrant.member_id == bindparam("member_id")
    ),
    select(literal("account"), col(Identity.platform), col(Identity.user_id)).where(
        Identity.member_id == bindparam("member_id")
    ),
)


class EmailTaken(Exception):
    """Another member already registered this e-mail address."""


class IdentityTaken(Exception):
    """The platform account already belongs to another member."""


class NameTaken(Exception):
    """An organization with this name exists."""


@dataclass(frozen=True)
class CallerRecord:
    """What resolving an account finds: its row, its member and the member's other accounts."""

    identity: Identity | None
    member: Member | None
    roles: frozenset[str]
    linked: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class NewMember:
    name: str
    email: str
    work_situation: str
    province: str
    language: str | None
    consent_at: datetime


def _changes_callers(method: _Method) -> _Method:
    """Marks a write that changes what ``resolve`` returns: the cache is emptied afterwards
    (also when it fails), so no record read before or during the write outlives it."""

    @functools.wraps(method)
    async def wrapper(self: MemberRepository, *args: Any, **kwargs: Any) -> Any:
        try:
            return await method(self, *args, **kwargs)
        finally:
            self._resolved.clear()

    return wrapper  # type: ignore[return-value]


class MemberRepository:
    """Queries on members; caches account resolution, which runs for every incoming event.

    Every method that changes what :meth:`resolve` returns empties the cache, so within this
    process a cached record is never stale; the time limit only bounds memory and any change
    made by another process.
    """

    def __init__(
        self,
        db: Database,
        *,
        cache_seconds: float = 300.0,
        cache_size: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._cache_seconds = cache_seconds
        self._cache_size = cache_size
        self._clock = clock
        self._resolved: dict[tuple[str, str], tuple[float, CallerRecord]] = {}

    async def resolve(self, platform: str, user_id: str) -> CallerRecord:
        key = (platform, user_id)
        now = self._clock()
        hit = self._resolved.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        record = await self._resolve(platform, user_id)
        if len(self._resolved) >= self._cache_size:
            self._resolved.clear()
        self._resolved[key] = (now + self._cache_seconds, record)
        return record

    async def _resolve(self, platform: str, user_id: str) -> CallerRecord:
        # Two prepared queries (account with member; roles and linked accounts): this is
        # the first contact of every member, thousands at once when a survey opens.
        async with self._db.session() as session:
            found = (
                await session.exec(_ACCOUNT, params={"platform": platform, "user_id": user_id})
            ).first()
            if found is None:
                return CallerRecord(None, None, frozenset(), ())
            identity, member = found
            if member is None or member.erased_at is not None:
                return CallerRecord(identity, None, frozenset(), ())
            roles: set[str] = set()
            linked: list[tuple[str, str]] = []
            for what, first, second in await session.exec(
                _ROLES_AND_ACCOUNTS, params={"member_id": member.id}
            ):
                if what == "role":
                    roles.add(first)
                else:
                    linked.append((first, second))
            return CallerRecord(identity, member, frozenset(roles), tuple(sorted(linked)))

    async def get(self, member_id: int) -> Member | None:
        async with self._db.session() as session:
            member = await session.get(Member, member_id)
            return member if member is not None and member.erased_at is None else None

    async def by_email(self, email: str) -> Member | None:
        async with self._db.session() as session:
            return (await session.exec(select(Member).where(Member.email == email))).first()

    async def identities_of(self, member_id: int) -> list[Identity]:
        async with self._db.session() as session:
            rows = await session.exec(
                select(Identity)
                .where(Identity.member_id == member_id)
                .order_by(col(Identity.linked_at))
            )
            return list(rows.all())

    @_changes_callers
    async def set_language(
        self, platform: str, user_id: str, member_id: int | None, language: str
    ) -> None:
        async with self._db.transaction() as session:
            identity = await session.get(Identity, (platform, user_id))
            if identity is None:
                session.add(Identity(platform=platform, user_id=user_id, language=language))
            else:
                identity.language = language
            if member_id is not None:
                await session.exec(  # type: ignore[call-overload]
                    update(Member).where(col(Member.id) == member_id).values(language=language)
                )

    @_changes_callers
    async def create(self, platform: str, user_id: str, new: NewMember) -> Member:
        """Create a member and link the account it registered from, in one transaction."""
        try:
            async with self._db.transaction() as session:
                identity = await session.get(Identity, (platform, user_id))
                if identity is not None and identity.member_id is not None:
                    existing = await session.get(Member, identity.member_id)
                    if existing is not None and existing.erased_at is None:
                        raise IdentityTaken()
                member = Member(
                    name=new.name,
                    email=new.email,
                    work_situation=new.work_situation,
                    province=new.province,
                    language=new.language,
                    consent_at=new.consent_at,
                )
                session.add(member)
                await session.flush()
                if identity is None:
                    session.add(Identity(platform=platform, user_id=user_id, member_id=member.id))
                else:
                    identity.member_id = member.id
                    identity.linked_at = utcnow()
                    identity.unreachable_at = None
                return member
        except IntegrityError as error:
            raise EmailTaken() from error

    async def save_verification(self, member_id: int, code_hash: str, expires_at: datetime) -> None:
        async with self._db.transaction() as session:
            row = await session.get(VerificationCode, member_id)
            if row is None:
                session.add(
                    VerificationCode(
                        member_id=member_id, code_hash=code_hash, expires_at=expires_at
                    )
                )
            else:
                row.code_hash = code_hash
                row.expires_at = expires_at
                row.attempts = 0
                row.sent_count += 1
                row.last_sent_at = utcnow()

    async def expire_verification(self, member_id: int) -> None:
        async with self._db.transaction() as session:
            await session.exec(  # type: ignore[call-overload]
                update(VerificationCode)
                .where(col(VerificationCode.member_id) == member_id)
                .values(expires_at=utcnow())
            )

    async def verification(self, member_id: int) -> VerificationCode | None:
        async with self._db.session() as session:
            return await session.get(VerificationCode, member_id)

    async def count_failed_attempt(self, member_id: int) -> None:
        async with self._db.transaction() as session:
            await session.exec(  # type: ignore[call-overload]
                update(VerificationCode)
                .where(col(VerificationCode.member_id) == member_id)
                .values(attempts=VerificationCode.attempts + 1)
            )

    @_changes_callers
    async def mark_verified(self, member_id: int) -> None:
        async with self._db.transaction() as session:
            await session.exec(  # type: ignore[call-overload]
                update(Member).where(col(Member.id) == member_id).values(email_verified_at=utcnow())
            )
            await session.exec(  # type: ignore[call-overload]
                delete(VerificationCode).where(col(VerificationCode.member_id) == member_id)
            )

    async def save_link_code(self, member_id: int, code_hash: str, expires_at: datetime) -> None:
        """One live code per member: a new one replaces the old."""
        async with self._db.transaction() as session:
            await session.exec(  # type: ignore[call-overload]
                delete(LinkCode).where(col(LinkCode.member_id) == member_id)
            )
            session.add(LinkCode(code_hash=code_hash, member_id=member_id, expires_at=expires_at))

    @_changes_callers
    async def link_with_code(self, code_hash: str, platform: str, user_id: str) -> int | None:
        """Use a link code once: link the account and return the member, or None if invalid.

        The code row is deleted in the same transaction, so two presses cannot both use it.
        """
        async with self._db.transaction() as session:
            code = await session.get(LinkCode, code_hash)
            if code is None:
                return None
            member_id = code.member_id
            result = await session.exec(  # type: ignore[call-overload]
                delete(LinkCode).where(col(LinkCode.code_hash) == code_hash)
            )
            if result.rowcount != 1 or code.expires_at <= utcnow():
                return None
            identity = await session.get(Identity, (platform, user_id))
            if identity is not None and identity.member_id not in (None, member_id):
                owner = await session.get(Member, identity.member_id)
                if owner is not None and owner.erased_at is None:
                    raise IdentityTaken()
            if identity is None:
                session.add(Identity(platform=platform, user_id=user_id, member_id=member_id))
            else:
                identity.member_id = member_id
                identity.linked_at = utcnow()
                identity.unreachable_at = None
            await session.exec(  # type: ignore[call-overload]
                delete(ConversationState).where(
                    col(ConversationState.platform) == platform,
                    col(ConversationState.user_id) == user_id,
                )
            )
            return member_id

    @_changes_callers
    async def grant(self, member_id: int, role: str, granted_by: str) -> bool:
        async with self._db.transaction() as session:
            if await session.get(RoleGrant, (member_id, role)) is not None:
                return False
            session.add(RoleGrant(member_id=member_id, role=role, granted_by=granted_by))
            return True

    @_changes_callers
    async def revoke(self, member_id: int, role: str) -> bool:
        async with self._db.transaction() as session:
            result = await session.exec(  # type: ignore[call-overload]
                delete(RoleGrant).where(
                    col(RoleGrant.member_id) == member_id, col(RoleGrant.role) == role
                )
            )
            return result.rowcount == 1

    async def roles_of(self, member_id: int) -> list[RoleGrant]:
        async with self._db.session() as session:
            rows = await session.exec(select(RoleGrant).where(RoleGrant.member_id == member_id))
            return list(rows.all())

    async def create_organization(self, name: str) -> Organization:
        try:
            async with self._db.transaction() as session:
                organization = Organization(name=name)
                session.add(organization)
                await session.flush()
                return organization
        except IntegrityError as error:
            raise NameTaken() from error

    async def organization(self, organization_id: int) -> Organization | None:
        async with self._db.session() as session:
            return await session.get(Organization, organization_id)

    async def organizations(self) -> list[tuple[Organization, int]]:
        """Every sponsor with its number of representatives."""
        async with self._db.session() as session:
            rows = await session.exec(
                select(Organization, func.count(col(Member.id)))
                .join(Member, col(Member.organization_id) == col(Organization.id), isouter=True)
                .group_by(col(Organization.id))
                .order_by(col(Organization.name))
            )
            return [(org, count) for org, count in rows.all()]

    @_changes_callers
    async def set_organization(self, member_id: int, organization_id: int | None) -> None:
        async with self._db.transaction() as session:
            await session.exec(  # type: ignore[call-overload]
                update(Member)
                .where(col(Member.id) == member_id)
                .values(
                    organization_id=organization_id,
                    kind="sponsor" if organization_id is not None else "deelnemer",
                )
            )

    async def search(self, text: str | None, limit: int = 25) -> list[Member]:
        async with self._db.session() as session:
            query = select(Member).where(col(Member.erased_at).is_(None))
            if text:
                pattern = f"%{text.lower()}%"
                query = query.where(
                    or_(
                        func.lower(col(Member.name)).like(pattern),
                        func.lower(col(Member.email)).like(pattern),
                    )
                )
            rows = await session.exec(query.order_by(col(Member.id)).limit(limit))
            return list(rows.all())

    @_changes_callers
    async def mark_unreachable(self, platform: str, user_id: str) -> None:
        async with self._db.transaction() as session:
            await session.exec(  # type: ignore[call-overload]
                update(Identity)
                .where(col(Identity.platform) == platform, col(Identity.user_id) == user_id)
                .values(unreachable_at=utcnow())
            )

    async def purge_expired_codes(self) -> int:
        """Remove link codes past their time (verification codes go with verification)."""
        async with self._db.transaction() as session:
            result = await session.exec(  # type: ignore[call-overload]
                delete(LinkCode).where(col(LinkCode.expires_at) <= utcnow())
            )
            return result.rowcount or 0

    @_changes_callers
    async def mark_reachable(self, platform: str, user_id: str) -> None:
        async with self._db.transaction() as session:
            await session.exec(  # type: ignore[call-overload]
                update(Identity)
                .where(col(Identity.platform) == platform, col(Identity.user_id) == user_id)
                .values(unreachable_at=None)
            )

    async def export(self, member_id: int) -> dict[str, Any]:
        async with self._db.session() as session:
            member = await session.get(Member, member_id)
            if member is None:
                return {}
            identities = (
                await session.exec(select(Identity).where(Identity.member_id == member_id))
            ).all()
            roles = (
                await session.exec(select(RoleGrant).where(RoleGrant.member_id == member_id))
            ).all()
            organization = (
                await session.get(Organization, member.organization_id)
                if member.organization_id
                else None
            )
            conversations = []
            for identity in identities:
                state = await session.get(ConversationState, (identity.platform, identity.user_id))
                if state is not None:
                    conversations.append(
                        {
                            "platform": state.platform,
                            "flow": state.flow,
                            "step": state.step,
                            "answers_so_far": state.data,
                        }
                    )
            verification = await session.get(VerificationCode, member_id)
            return {
                "member": member.model_dump(mode="json"),
                "organization": organization.model_dump(mode="json") if organization else None,
                "accounts": [identity.model_dump(mode="json") for identity in identities],
                "roles": [role.model_dump(mode="json") for role in roles],
                "conversations": conversations,
                "pending_email_code": (
                    {
                        "expires_at": verification.expires_at.isoformat(),
                        "note": "the code itself is stored only as a hash",
                    }
                    if verification
                    else None
                ),
            }

    @_changes_callers
    async def erase(self, member_id: int) -> None:
        """Remove every personal detail; keep an anonymous tombstone row (id, kind, erased_at)."""
        async with self._db.transaction() as session:
            identities = (
                await session.exec(select(Identity).where(Identity.member_id == member_id))
            ).all()
            for identity in identities:
                await session.exec(  # type: ignore[call-overload]
                    delete(ConversationState).where(
                        col(ConversationState.platform) == identity.platform,
                        col(ConversationState.user_id) == identity.user_id,
                    )
                )
                await session.delete(identity)
            for table in (RoleGrant, VerificationCode, LinkCode):
                await session.exec(  # type: ignore[call-overload]
                    delete(table).where(col(table.member_id) == member_id)
                )
            await session.exec(  # type: ignore[call-overload]
                update(Member)
                .where(col(Member.id) == member_id)
                .values(
                    name=None,
                    email=None,
                    email_verified_at=None,
                    work_situation=None,
                    province=None,
                    language=None,
                    organization_id=None,
                    consent_at=None,
                    erased_at=utcnow(),
                )
            )
        await self._db.scrub()
