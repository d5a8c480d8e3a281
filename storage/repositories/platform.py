"""The platform's queries: the tag vocabulary, profiles, never-lists, rounds, groups and
contact requests; records out.

Storing a round's groups is one transaction that first moves the round from ``asking`` to
``matched``: a second run of the same job (a restart, a second process) stores nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database
from storage.models.platform import (
    PlatformAnswer,
    PlatformContact,
    PlatformGroup,
    PlatformGroupMember,
    PlatformNever,
    PlatformProfile,
    PlatformRequest,
    PlatformRound,
    PlatformTag,
)
from storage.records.platform import (
    GroupMember,
    GroupRecord,
    Met,
    OrgKind,
    ProfileKind,
    ProfileRecord,
    ProfileStatus,
    RequestRecord,
    RequestStatus,
    RoundRecord,
    RoundStatus,
    TagRecord,
)
from storage.types import stored_id, table_of, utcnow

_tags = table_of(PlatformTag)
_profiles = table_of(PlatformProfile)
_contacts = table_of(PlatformContact)
_never = table_of(PlatformNever)
_rounds = table_of(PlatformRound)
_answers = table_of(PlatformAnswer)
_groups = table_of(PlatformGroup)
_members = table_of(PlatformGroupMember)
_requests = table_of(PlatformRequest)

PROFILE_FIELDS = (
    "name",
    "org_kind",
    "what",
    "website",
    "offers",
    "needs",
    "offer_text",
    "need_text",
    "region",
    "online",
    "in_person",
    "status",
    "snoozed_until",
)


def _profile(row: Any, contacts: Iterable[int] = ()) -> ProfileRecord:
    return ProfileRecord(
        id=int(row.id),
        kind=ProfileKind(row.kind),
        member_id=row.member_id,
        name=row.name,
        org_kind=OrgKind(row.org_kind) if row.org_kind else None,
        what=row.what,
        website=row.website,
        offers=tuple(str(tag) for tag in row.offers or ()),
        needs=tuple(str(tag) for tag in row.needs or ()),
        offer_text=row.offer_text,
        need_text=row.need_text,
        region=row.region,
        online=bool(row.online),
        in_person=bool(row.in_person),
        status=ProfileStatus(row.status),
        snoozed_until=row.snoozed_until,
        silent_rounds=int(row.silent_rounds),
        contacts=tuple(sorted(contacts)),
    )


def _round(row: Any) -> RoundRecord:
    return RoundRecord(
        id=int(row.id),
        match_at=row.match_at,
        status=RoundStatus(row.status),
        seed=int(row.seed),
        repeat_weeks=row.repeat_weeks,
        created_by=row.created_by,
        matched_at=row.matched_at,
        stats=dict(row.stats or {}),
    )


class PlatformRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- the vocabulary ------------------------------------------------------------------------

    async def tags(self, *, active_only: bool = True) -> list[TagRecord]:
        query = select(_tags).order_by(_tags.c.label)
        if active_only:
            query = query.where(_tags.c.active.is_(True))
        async with self._db.engine.connect() as conn:
            return [TagRecord(row.code, row.label, bool(row.active)) for row in await conn.execute(query)]

    async def put_tag(self, code: str, label: str, active: bool = True) -> bool:
        """Add a tag or change its label/activity; True when it was new."""
        async with self._db.begin() as conn:
            found = (await conn.execute(select(_tags.c.code).where(_tags.c.code == code))).first()
            if found is None:
                await conn.execute(insert(_tags).values(code=code, label=label, active=active, created_at=utcnow()))
                return True
            await conn.execute(update(_tags).where(_tags.c.code == code).values(label=label, active=active))
            return False

    # -- profiles ------------------------------------------------------------------------------

    async def _contacts_of(self, conn: AsyncConnection, ids: Sequence[int]) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {}
        for start in range(0, len(ids), 500):
            rows = await conn.execute(
                select(_contacts.c.profile_id, _contacts.c.member_id).where(
                    _contacts.c.profile_id.in_(ids[start : start + 500])
                )
            )
            for row in rows:
                found.setdefault(int(row.profile_id), []).append(int(row.member_id))
        return found

    async def _read(self, conn: AsyncConnection, query: Any) -> list[ProfileRecord]:
        rows = list(await conn.execute(query))
        contacts = await self._contacts_of(conn, [int(row.id) for row in rows])
        return [_profile(row, contacts.get(int(row.id), ())) for row in rows]

    async def profile(self, profile_id: int) -> ProfileRecord | None:
        async with self._db.engine.connect() as conn:
            found = await self._read(conn, select(_profiles).where(_profiles.c.id == profile_id))
        return found[0] if found else None

    async def many(self, ids: Iterable[int]) -> dict[int, ProfileRecord]:
        wanted = sorted(set(ids))
        result: dict[int, ProfileRecord] = {}
        async with self._db.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                for record in await self._read(
                    conn, select(_profiles).where(_profiles.c.id.in_(wanted[start : start + 500]))
                ):
                    result[record.id] = record
        return result

    async def profiles_of_member(self, member_id: int) -> list[ProfileRecord]:
        """The member's own profile first, then organizations they speak for."""
        async with self._db.engine.connect() as conn:
            ids = select(_contacts.c.profile_id).where(_contacts.c.member_id == member_id)
            found = await self._read(
                conn,
                select(_profiles)
                .where(or_(_profiles.c.member_id == member_id, _profiles.c.id.in_(ids)))
                .order_by(_profiles.c.kind.desc(), _profiles.c.id),
            )
        return sorted(found, key=lambda record: (record.kind is not ProfileKind.PERSON, record.id))

    async def active(self, now: datetime) -> list[ProfileRecord]:
        """Profiles that take part in rounds: active and not snoozed."""
        async with self._db.engine.connect() as conn:
            return await self._read(
                conn,
                select(_profiles)
                .where(
                    _profiles.c.status == ProfileStatus.ACTIVE.value,
                    or_(_profiles.c.snoozed_until.is_(None), _profiles.c.snoozed_until <= now),
                )
                .order_by(_profiles.c.id),
            )

    async def create(self, kind: ProfileKind, member_id: int, values: dict[str, Any]) -> ProfileRecord:
        """A personal profile (``member_id`` owns it) or an organization (``member_id`` is its
        first contact)."""
        now = utcnow()
        async with self._db.begin() as conn:
            profile_id = stored_id(
                (
                    await conn.execute(
                        insert(_profiles)
                        .values(
                            kind=kind.value,
                            member_id=member_id if kind is ProfileKind.PERSON else None,
                            created_at=now,
                            updated_at=now,
                            **{key: values[key] for key in PROFILE_FIELDS if key in values},
                        )
                        .returning(_profiles.c.id)
                    )
                ).scalar_one()
            )
            await conn.execute(insert(_contacts).values(profile_id=profile_id, member_id=member_id))
        found = await self.profile(profile_id)
        assert found is not None
        return found

    async def update(self, profile_id: int, values: dict[str, Any]) -> ProfileRecord | None:
        changes = {key: value for key, value in values.items() if key in PROFILE_FIELDS or key == "silent_rounds"}
        changes["updated_at"] = utcnow()
        async with self._db.begin() as conn:
            result = await conn.execute(update(_profiles).where(_profiles.c.id == profile_id).values(**changes))
            if not result.rowcount:
                return None
        return await self.profile(profile_id)

    async def delete(self, profile_id: int) -> bool:
        async with self._db.begin() as conn:
            await self._delete_profiles(conn, [profile_id])
            return True

    async def _delete_profiles(self, conn: AsyncConnection, ids: Sequence[int]) -> None:
        if not ids:
            return
        for table, column in (
            (_contacts, _contacts.c.profile_id),
            (_never, _never.c.profile_id),
            (_answers, _answers.c.profile_id),
            (_members, _members.c.profile_id),
        ):
            await conn.execute(delete(table).where(column.in_(ids)))
        await conn.execute(
            delete(_requests).where(or_(_requests.c.from_profile.in_(ids), _requests.c.to_profile.in_(ids)))
        )
        await conn.execute(delete(_profiles).where(_profiles.c.id.in_(ids)))

    async def add_contact(self, profile_id: int, member_id: int) -> bool:
        async with self._db.begin() as conn:
            found = (
                await conn.execute(
                    select(_contacts.c.member_id).where(
                        _contacts.c.profile_id == profile_id, _contacts.c.member_id == member_id
                    )
                )
            ).first()
            if found is not None:
                return False
            await conn.execute(insert(_contacts).values(profile_id=profile_id, member_id=member_id))
            return True

    async def count_silent(self, silent: Iterable[int], answered: Iterable[int]) -> list[int]:
        """After a round: ``silent`` profiles count one more silent round, ``answered`` start
        again at 0; the ids that reached three (to be paused)."""
        silent_ids, answered_ids = sorted(set(silent)), sorted(set(answered))
        async with self._db.begin() as conn:
            if answered_ids:
                await conn.execute(update(_profiles).where(_profiles.c.id.in_(answered_ids)).values(silent_rounds=0))
            if silent_ids:
                await conn.execute(
                    update(_profiles)
                    .where(_profiles.c.id.in_(silent_ids))
                    .values(silent_rounds=_profiles.c.silent_rounds + 1)
                )
                rows = await conn.execute(
                    select(_profiles.c.id).where(
                        _profiles.c.id.in_(silent_ids),
                        _profiles.c.silent_rounds >= 3,
                        _profiles.c.status == ProfileStatus.ACTIVE.value,
                    )
                )
                paused = [int(row.id) for row in rows]
                if paused:
                    await conn.execute(
                        update(_profiles)
                        .where(_profiles.c.id.in_(paused))
                        .values(status=ProfileStatus.PAUSED.value, updated_at=utcnow())
                    )
                return paused
        return []

    # -- never-lists ---------------------------------------------------------------------------

    async def set_never(self, member_id: int, profile_id: int, never: bool) -> None:
        async with self._db.begin() as conn:
            await conn.execute(
                delete(_never).where(_never.c.member_id == member_id, _never.c.profile_id == profile_id)
            )
            if never:
                await conn.execute(insert(_never).values(member_id=member_id, profile_id=profile_id))

    async def never_of(self, member_ids: Iterable[int]) -> dict[int, set[int]]:
        ids = sorted(set(member_ids))
        found: dict[int, set[int]] = {}
        async with self._db.engine.connect() as conn:
            for start in range(0, len(ids), 500):
                rows = await conn.execute(
                    select(_never.c.member_id, _never.c.profile_id).where(
                        _never.c.member_id.in_(ids[start : start + 500])
                    )
                )
                for row in rows:
                    found.setdefault(int(row.member_id), set()).add(int(row.profile_id))
        return found

    # -- rounds --------------------------------------------------------------------------------

    async def create_round(
        self, match_at: datetime, seed: int, repeat_weeks: int | None, created_by: str | None
    ) -> RoundRecord:
        async with self._db.begin() as conn:
            round_id = stored_id(
                (
                    await conn.execute(
                        insert(_rounds)
                        .values(
                            match_at=match_at,
                            status=RoundStatus.PLANNED.value,
                            seed=seed,
                            repeat_weeks=repeat_weeks,
                            created_by=created_by,
                            stats={},
                            created_at=utcnow(),
                        )
                        .returning(_rounds.c.id)
                    )
                ).scalar_one()
            )
        found = await self.round(round_id)
        assert found is not None
        return found

    async def round(self, round_id: int) -> RoundRecord | None:
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(select(_rounds).where(_rounds.c.id == round_id))).first()
        return None if row is None else _round(row)

    async def rounds(self, limit: int = 20) -> list[RoundRecord]:
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(select(_rounds).order_by(_rounds.c.id.desc()).limit(limit))
            return [_round(row) for row in rows]

    async def move_round(
        self,
        round_id: int,
        status: RoundStatus,
        *,
        expected: Sequence[RoundStatus],
        stats: dict[str, int | float] | None = None,
    ) -> RoundRecord | None:
        values: dict[str, Any] = {"status": status.value}
        if stats is not None:
            values["stats"] = stats
        if status is RoundStatus.MATCHED:
            values["matched_at"] = utcnow()
        async with self._db.begin() as conn:
            result = await conn.execute(
                update(_rounds)
                .where(_rounds.c.id == round_id, _rounds.c.status.in_([state.value for state in expected]))
                .values(**values)
            )
            if not result.rowcount:
                return None
        return await self.round(round_id)

    async def answer(self, round_id: int, profile_id: int, joins: bool) -> None:
        async with self._db.begin() as conn:
            await conn.execute(
                delete(_answers).where(_answers.c.round_id == round_id, _answers.c.profile_id == profile_id)
            )
            await conn.execute(
                insert(_answers).values(round_id=round_id, profile_id=profile_id, joins=joins, answered_at=utcnow())
            )

    async def answers(self, round_id: int) -> dict[int, bool]:
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(
                select(_answers.c.profile_id, _answers.c.joins).where(_answers.c.round_id == round_id)
            )
            return {int(row.profile_id): bool(row.joins) for row in rows}

    # -- groups --------------------------------------------------------------------------------

    async def store_groups(
        self,
        round_id: int,
        groups: Sequence[tuple[Sequence[int], float, Sequence[str], str]],
        stats: dict[str, int | float],
    ) -> bool:
        """The round's groups, once: False when the round was matched already."""
        async with self._db.begin() as conn:
            moved = await conn.execute(
                update(_rounds)
                .where(_rounds.c.id == round_id, _rounds.c.status == RoundStatus.ASKING.value)
                .values(status=RoundStatus.MATCHED.value, matched_at=utcnow(), stats=stats)
            )
            if not moved.rowcount:
                return False
            for ids, score, shared, question in groups:
                group_id = stored_id(
                    (
                        await conn.execute(
                            insert(_groups)
                            .values(round_id=round_id, score=score, shared=list(shared), question=question, created_at=utcnow())
                            .returning(_groups.c.id)
                        )
                    ).scalar_one()
                )
                await conn.execute(
                    insert(_members),
                    [{"group_id": group_id, "profile_id": profile_id, "wants_contact": False} for profile_id in ids],
                )
            return True

    async def create_group(self, ids: Sequence[int], score: float, shared: Sequence[str], question: str) -> int:
        """Two profiles linked outside a round (an accepted contact request)."""
        async with self._db.begin() as conn:
            group_id = stored_id(
                (
                    await conn.execute(
                        insert(_groups)
                        .values(round_id=None, score=score, shared=list(shared), question=question, created_at=utcnow())
                        .returning(_groups.c.id)
                    )
                ).scalar_one()
            )
            await conn.execute(
                insert(_members),
                [{"group_id": group_id, "profile_id": profile_id, "wants_contact": True} for profile_id in ids],
            )
        return group_id

    async def groups(self, *, round_id: int | None = None, profile_id: int | None = None, group_id: int | None = None) -> list[GroupRecord]:
        query = select(_groups).order_by(_groups.c.id)
        if round_id is not None:
            query = query.where(_groups.c.round_id == round_id)
        if group_id is not None:
            query = query.where(_groups.c.id == group_id)
        if profile_id is not None:
            query = query.where(
                _groups.c.id.in_(select(_members.c.group_id).where(_members.c.profile_id == profile_id))
            )
        async with self._db.engine.connect() as conn:
            rows = list(await conn.execute(query))
            ids = [int(row.id) for row in rows]
            members: dict[int, list[GroupMember]] = {}
            for start in range(0, len(ids), 500):
                for row in await conn.execute(
                    select(_members).where(_members.c.group_id.in_(ids[start : start + 500])).order_by(_members.c.profile_id)
                ):
                    members.setdefault(int(row.group_id), []).append(
                        GroupMember(int(row.profile_id), bool(row.wants_contact), Met(row.met) if row.met else None)
                    )
        return [
            GroupRecord(
                id=int(row.id),
                round_id=row.round_id,
                score=float(row.score),
                shared=tuple(row.shared or ()),
                question=row.question,
                members=tuple(members.get(int(row.id), ())),
                created_at=row.created_at,
            )
            for row in rows
        ]

    async def set_member(self, group_id: int, profile_id: int, **values: Any) -> bool:
        async with self._db.begin() as conn:
            result = await conn.execute(
                update(_members)
                .where(_members.c.group_id == group_id, _members.c.profile_id == profile_id)
                .values(**values)
            )
            return bool(result.rowcount)

    async def history(self) -> dict[frozenset[int], int]:
        """Every pair of profiles that met in a round, with the last round's id."""
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(
                select(_members.c.group_id, _members.c.profile_id, _groups.c.round_id)
                .select_from(_members.join(_groups, _members.c.group_id == _groups.c.id))
                .where(_groups.c.round_id.is_not(None))
            )
            by_group: dict[int, tuple[int, list[int]]] = {}
            for row in rows:
                entry = by_group.setdefault(int(row.group_id), (int(row.round_id), []))
                entry[1].append(int(row.profile_id))
        met: dict[frozenset[int], int] = {}
        for round_id, ids in by_group.values():
            for index, first in enumerate(ids):
                for second in ids[index + 1 :]:
                    pair = frozenset((first, second))
                    met[pair] = max(met.get(pair, 0), round_id)
        return met

    # -- requests ------------------------------------------------------------------------------

    async def create_request(self, from_profile: int, to_profile: int) -> RequestRecord | None:
        """None when one is pending between them already."""
        async with self._db.begin() as conn:
            found = (
                await conn.execute(
                    select(_requests.c.id).where(
                        _requests.c.from_profile == from_profile,
                        _requests.c.to_profile == to_profile,
                        _requests.c.status == RequestStatus.PENDING.value,
                    )
                )
            ).first()
            if found is not None:
                return None
            request_id = stored_id(
                (
                    await conn.execute(
                        insert(_requests)
                        .values(from_profile=from_profile, to_profile=to_profile, status=RequestStatus.PENDING.value, created_at=utcnow())
                        .returning(_requests.c.id)
                    )
                ).scalar_one()
            )
        return await self.request(request_id)

    async def request(self, request_id: int) -> RequestRecord | None:
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(select(_requests).where(_requests.c.id == request_id))).first()
        if row is None:
            return None
        return RequestRecord(int(row.id), int(row.from_profile), int(row.to_profile), RequestStatus(row.status), row.created_at)

    async def answer_request(self, request_id: int, accepted: bool) -> bool:
        """Pending → accepted/declined, once."""
        status = RequestStatus.ACCEPTED if accepted else RequestStatus.DECLINED
        async with self._db.begin() as conn:
            result = await conn.execute(
                update(_requests)
                .where(_requests.c.id == request_id, _requests.c.status == RequestStatus.PENDING.value)
                .values(status=status.value, answered_at=utcnow())
            )
            return bool(result.rowcount)

    # -- AVG/GDPR ------------------------------------------------------------------------------

    async def forget_member(self, member_id: int) -> None:
        """The member's own profile with its history, their never-list, and their place as
        a contact; an organization left without contacts goes too."""
        async with self._db.begin() as conn:
            own = [
                int(row.id)
                for row in await conn.execute(select(_profiles.c.id).where(_profiles.c.member_id == member_id))
            ]
            spoken_for = [
                int(row.profile_id)
                for row in await conn.execute(select(_contacts.c.profile_id).where(_contacts.c.member_id == member_id))
            ]
            await conn.execute(delete(_contacts).where(_contacts.c.member_id == member_id))
            await conn.execute(delete(_never).where(_never.c.member_id == member_id))
            orphans = [
                profile_id
                for profile_id in spoken_for
                if profile_id not in own
                and (
                    await conn.execute(select(_contacts.c.member_id).where(_contacts.c.profile_id == profile_id))
                ).first()
                is None
            ]
            await self._delete_profiles(conn, own + orphans)
            # Groups that lost a member keep the other side's history; empty groups go.
            await conn.execute(
                delete(_groups).where(_groups.c.id.not_in(select(_members.c.group_id)))
            )
