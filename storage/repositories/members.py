"""Members, accounts, roles, organizations and codes: every query the members module needs.

Everything returned is a record (``storage.records.members``), never an ORM row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, literal, or_, union_all, update
from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from storage.db import Database
from storage.models.members import (
    Identity,
    LinkCode,
    Member,
    Organization,
    RoleGrant,
    VerificationCode,
)
from storage.records.members import (
    AccountRecord,
    CallerRecord,
    MemberFilter,
    MemberRecord,
    NewMember,
    OrganizationRecord,
    RoleGrantRecord,
    VerificationRecord,
)
from storage.types import contains, stored_id, table_of, utcnow
from storage.vocabulary import MemberKind, Province, WorkSituation

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


CHUNK = 900
"""Ids per ``IN (…)``: well under SQLite's limit on parameters."""


class EmailTaken(Exception):
    """Another member already registered this e-mail address."""


class IdentityTaken(Exception):
    """The platform account already belongs to another member."""


class NameTaken(Exception):
    """An organization with this name exists."""


def member_record(row: Any) -> MemberRecord:
    """From an ORM ``Member`` or a Core row of ``members`` (the same names)."""
    return MemberRecord(
        id=stored_id(row.id),
        kind=MemberKind(row.kind),
        name=row.name,
        email=row.email,
        email_verified_at=row.email_verified_at,
        work_situation=None if row.work_situation is None else WorkSituation(row.work_situation),
        province=None if row.province is None else Province(row.province),
        language=row.language,
        organization_id=row.organization_id,
        consent_at=row.consent_at,
        created_at=row.created_at,
        erased_at=row.erased_at,
    )


def account_record(row: Identity) -> AccountRecord:
    return AccountRecord(
        platform=row.platform,
        user_id=row.user_id,
        member_id=row.member_id,
        language=row.language,
        unreachable_at=row.unreachable_at,
        linked_at=row.linked_at,
    )


def organization_record(row: Organization) -> OrganizationRecord:
    return OrganizationRecord(id=stored_id(row.id), name=row.name, created_at=row.created_at)


class MemberRepository:
    """Queries on members. No cache here: the member service decides what to keep."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def resolve(self, platform: str, user_id: str) -> CallerRecord:
        """The account, its member, the member's roles and linked accounts.

        Two prepared queries (account with member; roles and linked accounts): this is
        the first contact of every member, thousands at once when a survey opens.
        """
        async with self._db.session() as session:
            found = (
                await session.exec(_ACCOUNT, params={"platform": platform, "user_id": user_id})
            ).first()
            if found is None:
                return CallerRecord(None, None, frozenset(), ())
            identity = found[0]
            member: Member | None = found[1]  # an outer join: no member for a guest
            account = account_record(identity)
            if member is None or member.erased_at is not None:
                return CallerRecord(account, None, frozenset(), ())
            roles: set[str] = set()
            linked: list[tuple[str, str]] = []
            # sqlmodel types exec() for plain selects only; a UNION runs the same way.
            for what, first, second in await session.exec(  # type: ignore[call-overload]
                _ROLES_AND_ACCOUNTS, params={"member_id": member.id}
            ):
                if what == "role":
                    roles.add(first)
                else:
                    linked.append((first, second))
            return CallerRecord(
                account, member_record(member), frozenset(roles), tuple(sorted(linked))
            )

    async def get(self, member_id: int) -> MemberRecord | None:
        """A member who has not been erased."""
        async with self._db.session() as session:
            member = await session.get(Member, member_id)
            if member is None or member.erased_at is not None:
                return None
            return member_record(member)

    async def by_email(self, email: str) -> MemberRecord | None:
        async with self._db.session() as session:
            found = (await session.exec(select(Member).where(Member.email == email))).first()
            return None if found is None else member_record(found)

    async def many(self, member_ids: Sequence[int]) -> list[MemberRecord]:
        """Members (not erased) by id, in chunks that keep under SQLite's parameter limit.

        A Core query, not the ORM: other modules read thousands at once (the Meetlat's
        raters, an event's participants) and the ORM's identity map costs 3× as much."""
        found: list[MemberRecord] = []
        members = table_of(Member)
        async with self._db.engine.connect() as conn:
            for start in range(0, len(member_ids), CHUNK):
                chunk = list(member_ids[start : start + CHUNK])
                rows = await conn.execute(
                    core_select(members).where(members.c.id.in_(chunk), members.c.erased_at.is_(None))
                )
                found += [member_record(row) for row in rows]
        return found

    async def accounts_of_many(self, member_ids: Sequence[int]) -> dict[int, list[AccountRecord]]:
        found: dict[int, list[AccountRecord]] = {}
        async with self._db.session() as session:
            for start in range(0, len(member_ids), CHUNK):
                chunk = list(member_ids[start : start + CHUNK])
                rows = await session.exec(
                    select(Identity)
                    .where(col(Identity.member_id).in_(chunk))
                    .order_by(col(Identity.linked_at))
                )
                for row in rows.all():
                    found.setdefault(int(row.member_id or 0), []).append(account_record(row))
        return found

    async def accounts_of(self, member_id: int) -> list[AccountRecord]:
        async with self._db.session() as session:
            rows = await session.exec(
                select(Identity)
                .where(Identity.member_id == member_id)
                .order_by(col(Identity.linked_at))
            )
            return [account_record(row) for row in rows.all()]

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
                await session.exec(
                    update(Member).where(col(Member.id) == member_id).values(language=language)
                )

    async def create(self, platform: str, user_id: str, new: NewMember) -> int:
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
                return stored_id(member.id)
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
            await session.exec(
                update(VerificationCode)
                .where(col(VerificationCode.member_id) == member_id)
                .values(expires_at=utcnow())
            )

    async def verification(self, member_id: int) -> VerificationRecord | None:
        async with self._db.session() as session:
            row = await session.get(VerificationCode, member_id)
            if row is None:
                return None
            return VerificationRecord(
                member_id=row.member_id,
                code_hash=row.code_hash,
                expires_at=row.expires_at,
                attempts=row.attempts,
                sent_count=row.sent_count,
                last_sent_at=row.last_sent_at,
            )

    async def count_failed_attempt(self, member_id: int) -> None:
        async with self._db.transaction() as session:
            await session.exec(
                update(VerificationCode)
                .where(col(VerificationCode.member_id) == member_id)
                .values(attempts=VerificationCode.attempts + 1)
            )

    async def mark_verified(self, member_id: int) -> None:
        async with self._db.transaction() as session:
            await session.exec(
                update(Member).where(col(Member.id) == member_id).values(email_verified_at=utcnow())
            )
            await session.exec(
                delete(VerificationCode).where(col(VerificationCode.member_id) == member_id)
            )

    async def save_link_code(self, member_id: int, code_hash: str, expires_at: datetime) -> None:
        """One live code per member: a new one replaces the old."""
        async with self._db.transaction() as session:
            await session.exec(delete(LinkCode).where(col(LinkCode.member_id) == member_id))
            session.add(LinkCode(code_hash=code_hash, member_id=member_id, expires_at=expires_at))

    async def link_with_code(self, code_hash: str, platform: str, user_id: str) -> int | None:
        """Use a link code once: link the account and return the member, or None if invalid.

        The code row is deleted in the same transaction, so two presses cannot both use it.
        """
        async with self._db.transaction() as session:
            code = await session.get(LinkCode, code_hash)
            if code is None:
                return None
            member_id = code.member_id
            result = await session.exec(
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
            return member_id

    async def grant(self, member_id: int, role: str, granted_by: str) -> bool:
        async with self._db.transaction() as session:
            if await session.get(RoleGrant, (member_id, role)) is not None:
                return False
            session.add(RoleGrant(member_id=member_id, role=role, granted_by=granted_by))
            return True

    async def revoke(self, member_id: int, role: str) -> bool:
        async with self._db.transaction() as session:
            result = await session.exec(
                delete(RoleGrant).where(
                    col(RoleGrant.member_id) == member_id, col(RoleGrant.role) == role
                )
            )
            return bool(result.rowcount == 1)

    async def roles_of(self, member_id: int) -> list[RoleGrantRecord]:
        async with self._db.session() as session:
            rows = await session.exec(select(RoleGrant).where(RoleGrant.member_id == member_id))
            return [
                RoleGrantRecord(row.member_id, row.role, row.granted_by, row.granted_at)
                for row in rows.all()
            ]

    async def create_organization(self, name: str) -> int:
        try:
            async with self._db.transaction() as session:
                organization = Organization(name=name)
                session.add(organization)
                await session.flush()
                return stored_id(organization.id)
        except IntegrityError as error:
            raise NameTaken() from error

    async def organization(self, organization_id: int) -> OrganizationRecord | None:
        async with self._db.session() as session:
            row = await session.get(Organization, organization_id)
            return None if row is None else organization_record(row)

    async def organizations(self) -> list[tuple[OrganizationRecord, int]]:
        """Every sponsor with its number of representatives."""
        async with self._db.session() as session:
            rows = await session.exec(
                select(Organization, func.count(col(Member.id)))
                .join(Member, col(Member.organization_id) == col(Organization.id), isouter=True)
                .group_by(col(Organization.id))
                .order_by(col(Organization.name))
            )
            return [(organization_record(org), count) for org, count in rows.all()]

    async def set_organization(self, member_id: int, organization_id: int | None) -> None:
        async with self._db.transaction() as session:
            await session.exec(
                update(Member)
                .where(col(Member.id) == member_id)
                .values(
                    organization_id=organization_id,
                    kind=MemberKind.SPONSOR
                    if organization_id is not None
                    else MemberKind.DEELNEMER,
                )
            )

    async def search(self, text: str | None, limit: int = 25) -> list[MemberRecord]:
        async with self._db.session() as session:
            query = select(Member).where(col(Member.erased_at).is_(None))
            if text:
                query = query.where(
                    or_(
                        contains(func.lower(col(Member.name)), text.lower()),
                        contains(func.lower(col(Member.email)), text.lower()),
                    )
                )
            rows = await session.exec(query.order_by(col(Member.id)).limit(limit))
            return [member_record(row) for row in rows.all()]

    async def members(self, which: MemberFilter) -> list[MemberRecord]:
        """Members (not erased) that match ``which``, by id: an audience."""
        async with self._db.session() as session:
            query = select(Member).where(col(Member.erased_at).is_(None))
            if which.verified_only:
                query = query.where(col(Member.email_verified_at).is_not(None))
            for values, column in (
                (which.work_situations, Member.work_situation),
                (which.provinces, Member.province),
                (which.kinds, Member.kind),
            ):
                if values:
                    query = query.where(col(column).in_(sorted(values)))
            rows = await session.exec(query.order_by(col(Member.id)))
            return [member_record(row) for row in rows.all()]

    async def mark_unreachable(self, platform: str, user_id: str) -> None:
        async with self._db.transaction() as session:
            await session.exec(
                update(Identity)
                .where(col(Identity.platform) == platform, col(Identity.user_id) == user_id)
                .values(unreachable_at=utcnow())
            )

    async def mark_reachable(self, platform: str, user_id: str) -> None:
        async with self._db.transaction() as session:
            await session.exec(
                update(Identity)
                .where(col(Identity.platform) == platform, col(Identity.user_id) == user_id)
                .values(unreachable_at=None)
            )

    async def purge_expired_codes(self) -> int:
        """Remove link codes past their time (verification codes go with verification)."""
        async with self._db.transaction() as session:
            result = await session.exec(
                delete(LinkCode).where(col(LinkCode.expires_at) <= utcnow())
            )
            return int(result.rowcount or 0)

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
            verification = await session.get(VerificationCode, member_id)
            return {
                "member": member.model_dump(mode="json"),
                "organization": organization.model_dump(mode="json") if organization else None,
                "accounts": [identity.model_dump(mode="json") for identity in identities],
                "roles": [role.model_dump(mode="json") for role in roles],
                "pending_email_code": (
                    {
                        "expires_at": verification.expires_at.isoformat(),
                        "note": "the code itself is stored only as a hash",
                    }
                    if verification
                    else None
                ),
            }

    async def erase(self, member_id: int) -> None:
        """Remove every personal detail; keep an anonymous tombstone row (id, kind, erased_at)."""
        async with self._db.transaction() as session:
            await session.exec(delete(Identity).where(col(Identity.member_id) == member_id))
            for table in (RoleGrant, VerificationCode, LinkCode):
                await session.exec(delete(table).where(col(table.member_id) == member_id))
            await session.exec(
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
