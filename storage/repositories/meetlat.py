"""The Meetlat's queries: criteria, methods, items, ratings, flags, marks and appeals.

A rating is saved in one transaction that keeps the earlier version in the history, so a
change replaces the current rating and never adds a second. Deciding a proposal, an
appeal or a flag is a conditional update: pressing twice, or two organizers at once,
changes it once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database
from storage.models.meetlat import (
    MeetlatAppeal,
    MeetlatContact,
    MeetlatCriterion,
    MeetlatFlag,
    MeetlatItem,
    MeetlatMark,
    MeetlatMethod,
    MeetlatRating,
    MeetlatRatingHistory,
)
from storage.records.meetlat import (
    AppealRecord,
    AppealStatus,
    CriterionRecord,
    FlagRecord,
    FlagStatus,
    ItemKind,
    ItemRecord,
    ItemStatus,
    MarkRecord,
    MarkStatus,
    MethodRecord,
    NewItem,
    RatingInput,
    RatingRecord,
    RatingRow,
    SavedRating,
)
from storage.types import contains, lock_rows, stored_id, table_of, utcnow

_criteria = table_of(MeetlatCriterion)
_methods = table_of(MeetlatMethod)
_items = table_of(MeetlatItem)
_contacts = table_of(MeetlatContact)
_flags = table_of(MeetlatFlag)
_ratings = table_of(MeetlatRating)
_history = table_of(MeetlatRatingHistory)
_marks = table_of(MeetlatMark)
_appeals = table_of(MeetlatAppeal)

SEARCH_LIMIT = 10
CHUNK = 500
"""Ids per IN list (under SQLite's parameter limit)."""


class NameTaken(Exception):
    """An item (or a criterion code) with this name exists already."""


def name_key(name: str) -> str:
    """A name folded for comparison: case and spacing do not make a second item."""
    return " ".join(name.casefold().split())[:120]


def _scores_of(stored: Any) -> dict[int, int]:
    """A rating's answers as stored in JSON (criterion as text) → criterion number → 1..5."""
    return {int(criterion): int(value) for criterion, value in dict(stored or {}).items()}


def _criterion(row: Any) -> CriterionRecord:
    return CriterionRecord(int(row.id), row.code, row.name, row.explanation, bool(row.active), int(row.position))


def _method(row: Any) -> MethodRecord:
    return MethodRecord(
        version=int(row.version),
        description=row.description,
        applies_from=row.applies_from,
        criteria=tuple(int(c) for c in row.criteria or ()),
        params=dict(row.params or {}),
        created_by=row.created_by,
        created_at=row.created_at,
    )


def _item(row: Any) -> ItemRecord:
    return ItemRecord(
        id=int(row.id),
        name=row.name,
        kind=ItemKind(row.kind),
        website=row.website,
        sector=row.sector,
        organization_id=row.organization_id,
        status=ItemStatus(row.status),
        proposed_by=row.proposed_by,
        evidence_checked_at=row.evidence_checked_at,
        reply=row.reply,
        reply_at=row.reply_at,
        created_at=row.created_at,
    )


def _flag(row: Any) -> FlagRecord:
    return FlagRecord(
        id=int(row.id),
        item_id=int(row.item_id),
        detected_at=row.detected_at,
        window_start=row.window_start,
        ratings=int(row.ratings),
        new_accounts=int(row.new_accounts),
        expected=float(row.expected),
        status=FlagStatus(row.status),
    )


def _mark(row: Any) -> MarkRecord:
    return MarkRecord(
        id=int(row.id),
        item_id=int(row.item_id),
        level=row.level,
        method_version=int(row.method_version),
        awarded_at=row.awarded_at,
        valid_until=row.valid_until,
        status=MarkStatus(row.status),
        snapshot=dict(row.snapshot or {}),
        ended_at=row.ended_at,
        reason=row.reason,
    )


def _appeal(row: Any) -> AppealRecord:
    return AppealRecord(
        id=int(row.id),
        item_id=int(row.item_id),
        member_id=row.member_id,
        text=row.text,
        status=AppealStatus(row.status),
        outcome=row.outcome,
        decided_at=row.decided_at,
        created_at=row.created_at,
    )


class MeetlatRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- criteria and methods ------------------------------------------------------------------

    async def criteria(self, *, active_only: bool = False) -> list[CriterionRecord]:
        query = select(_criteria).order_by(_criteria.c.position, _criteria.c.id)
        if active_only:
            query = query.where(_criteria.c.active.is_(True))
        async with self._db.engine.connect() as conn:
            return [_criterion(row) for row in await conn.execute(query)]

    async def put_criterion(self, code: str, name: str, explanation: str) -> tuple[CriterionRecord, bool]:
        """Add a criterion, or change the name and explanation of the one with this code."""
        async with self._db.begin() as conn:
            found = (await conn.execute(select(_criteria).where(_criteria.c.code == code))).first()
            if found is not None:
                await conn.execute(update(_criteria).where(_criteria.c.code == code).values(name=name, explanation=explanation))
                new = False
            else:
                position = (await conn.execute(select(func.coalesce(func.max(_criteria.c.position), 0)))).scalar_one()
                await conn.execute(
                    insert(_criteria).values(code=code, name=name, explanation=explanation, active=True, position=int(position) + 1, created_at=utcnow())
                )
                new = True
            row = (await conn.execute(select(_criteria).where(_criteria.c.code == code))).one()
            return _criterion(row), new

    async def set_criterion_active(self, code: str, active: bool) -> CriterionRecord | None:
        async with self._db.begin() as conn:
            await conn.execute(update(_criteria).where(_criteria.c.code == code).values(active=active))
            row = (await conn.execute(select(_criteria).where(_criteria.c.code == code))).first()
            return None if row is None else _criterion(row)

    async def methods(self) -> list[MethodRecord]:
        async with self._db.engine.connect() as conn:
            return [_method(row) for row in await conn.execute(select(_methods).order_by(_methods.c.version))]

    async def add_method(
        self, description: str, applies_from: datetime, criteria: Sequence[int], params: dict[str, Any], created_by: str | None
    ) -> MethodRecord:
        """The next version (numbers follow each other; two at once: one gets the next)."""
        for _attempt in range(3):
            try:
                async with self._db.begin() as conn:
                    latest = (await conn.execute(select(func.coalesce(func.max(_methods.c.version), 0)))).scalar_one()
                    version = int(latest) + 1
                    await conn.execute(
                        insert(_methods).values(
                            version=version,
                            description=description,
                            applies_from=applies_from,
                            criteria=list(criteria),
                            params=params,
                            created_by=created_by,
                            created_at=utcnow(),
                        )
                    )
                    row = (await conn.execute(select(_methods).where(_methods.c.version == version))).one()
                    return _method(row)
            except IntegrityError:
                continue
        raise RuntimeError("could not number a new method version")

    # -- items -----------------------------------------------------------------------------------

    async def add_item(self, item: NewItem, *, status: ItemStatus, proposed_by: int | None, decided_by: str | None) -> ItemRecord:
        now = utcnow()
        try:
            async with self._db.begin() as conn:
                result = await conn.execute(
                    insert(_items).values(
                        name=item.name,
                        name_key=name_key(item.name),
                        kind=item.kind.value,
                        website=item.website,
                        sector=item.sector,
                        status=status.value,
                        proposed_by=proposed_by,
                        decided_by=decided_by,
                        decided_at=now if status is not ItemStatus.PROPOSED else None,
                        created_at=now,
                    )
                )
                item_id = stored_id(result.inserted_primary_key[0] if result.inserted_primary_key else None)
                row = (await conn.execute(select(_items).where(_items.c.id == item_id))).one()
                return _item(row)
        except IntegrityError:
            raise NameTaken(item.name) from None

    async def item(self, item_id: int) -> ItemRecord | None:
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(select(_items).where(_items.c.id == item_id))).first()
            return None if row is None else _item(row)

    async def item_by_name(self, name: str) -> ItemRecord | None:
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(select(_items).where(_items.c.name_key == name_key(name)))).first()
            return None if row is None else _item(row)

    async def search(self, text: str, statuses: Iterable[ItemStatus]) -> list[ItemRecord]:
        """Items whose name holds every word of ``text``, the closest (shortest) first."""
        query = select(_items).where(_items.c.status.in_([s.value for s in statuses]))
        for word in name_key(text).split()[:6]:
            query = query.where(contains(_items.c.name_key, word))
        query = query.order_by(func.length(_items.c.name_key), _items.c.name_key).limit(SEARCH_LIMIT)
        async with self._db.engine.connect() as conn:
            return [_item(row) for row in await conn.execute(query)]

    async def items(self, statuses: Iterable[ItemStatus] = (ItemStatus.APPROVED,)) -> list[ItemRecord]:
        query = select(_items).where(_items.c.status.in_([s.value for s in statuses])).order_by(_items.c.name_key)
        async with self._db.engine.connect() as conn:
            return [_item(row) for row in await conn.execute(query)]

    async def decide_item(self, item_id: int, status: ItemStatus, by: str) -> bool:
        """A proposal approved or rejected, once."""
        async with self._db.begin() as conn:
            result = await conn.execute(
                update(_items)
                .where(_items.c.id == item_id, _items.c.status == ItemStatus.PROPOSED.value)
                .values(status=status.value, decided_by=by, decided_at=utcnow())
            )
            return bool(result.rowcount)

    async def update_item(self, item_id: int, **values: Any) -> None:
        allowed = {"organization_id", "evidence_checked_by", "evidence_checked_at", "reply", "reply_at", "website", "sector"}
        if not values or set(values) - allowed:
            raise ValueError(f"cannot change {sorted(set(values) - allowed)}")
        async with self._db.begin() as conn:
            await conn.execute(update(_items).where(_items.c.id == item_id).values(**values))

    async def add_contact(self, item_id: int, member_id: int) -> bool:
        try:
            async with self._db.begin() as conn:
                await conn.execute(insert(_contacts).values(item_id=item_id, member_id=member_id))
            return True
        except IntegrityError:
            return False

    async def contacts(self, item_id: int) -> list[int]:
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(select(_contacts.c.member_id).where(_contacts.c.item_id == item_id).order_by(_contacts.c.member_id))
            return [int(member_id) for (member_id,) in rows]

    # -- ratings ---------------------------------------------------------------------------------

    async def rating(self, item_id: int, member_id: int) -> RatingRecord | None:
        async with self._db.engine.connect() as conn:
            return await self._rating(conn, item_id, member_id)

    async def _rating(self, conn: AsyncConnection, item_id: int, member_id: int) -> RatingRecord | None:
        row = (await conn.execute(select(_ratings).where(_ratings.c.item_id == item_id, _ratings.c.member_id == member_id))).first()
        if row is None:
            return None
        return RatingRecord(
            id=int(row.id),
            item_id=int(row.item_id),
            member_id=int(row.member_id),
            used=bool(row.used),
            works_there=bool(row.works_there),
            note=row.note,
            flag_id=row.flag_id,
            first_rated_at=row.first_rated_at,
            rated_at=row.rated_at,
            scores=_scores_of(row.scores),
        )

    async def save_rating(self, item_id: int, member_id: int, given: RatingInput, now: datetime) -> SavedRating:
        """The member's one current rating of the item; an earlier one goes to the history."""
        for _attempt in range(2):
            try:
                return await self._save_rating(item_id, member_id, given, now)
            except IntegrityError:  # the same member saved twice at once: the second replaces
                continue
        raise RuntimeError("a rating could not be saved")

    async def _save_rating(self, item_id: int, member_id: int, given: RatingInput, now: datetime) -> SavedRating:
        async with self._db.begin() as conn:
            # Two saves of the member's rating at once take turns.
            await lock_rows(conn, _ratings, _ratings.c.item_id == item_id, _ratings.c.member_id == member_id)
            earlier = await self._rating(conn, item_id, member_id)
            values = {
                "used": given.used,
                "works_there": given.works_there,
                "note": given.note,
                "rated_at": now,
                "scores": {str(c): v for c, v in sorted(given.scores.items())},
            }
            if earlier is None:
                await conn.execute(insert(_ratings).values(item_id=item_id, member_id=member_id, first_rated_at=now, **values))
            else:
                await conn.execute(
                    insert(_history).values(
                        item_id=item_id,
                        member_id=member_id,
                        used=earlier.used,
                        works_there=earlier.works_there,
                        scores={str(c): v for c, v in earlier.scores.items()},
                        note=earlier.note,
                        rated_at=earlier.rated_at,
                        replaced_at=now,
                    )
                )
                await conn.execute(update(_ratings).where(_ratings.c.id == earlier.id).values(**values))
            saved = await self._rating(conn, item_id, member_id)
            assert saved is not None
            return SavedRating(saved, changed=earlier is not None)

    async def rating_rows(self, since: datetime, item_ids: Collection[int] | None = None) -> list[RatingRow]:
        """Ratings of approved items (all, or these) since a moment, with the state of their
        flag (no notes)."""
        query = (
            select(
                _ratings.c.item_id,
                _ratings.c.member_id,
                _ratings.c.used,
                _ratings.c.works_there,
                _ratings.c.rated_at,
                _ratings.c.scores,
                _ratings.c.flag_id,
                _flags.c.status.label("flag_status"),
            )
            .join(_items, _items.c.id == _ratings.c.item_id)
            .outerjoin(_flags, _flags.c.id == _ratings.c.flag_id)
            .where(_items.c.status == ItemStatus.APPROVED.value, _ratings.c.rated_at >= since)
        )
        async with self._db.engine.connect() as conn:
            if item_ids is None:
                rows = list(await conn.execute(query))
            else:
                wanted = sorted(item_ids)
                rows = []
                for start in range(0, len(wanted), CHUNK):
                    rows += list(await conn.execute(query.where(_ratings.c.item_id.in_(wanted[start : start + CHUNK]))))
        return [
            RatingRow(
                item_id=int(row.item_id),
                member_id=int(row.member_id),
                used=bool(row.used),
                works_there=bool(row.works_there),
                held=row.flag_status == FlagStatus.HELD.value,
                flag_id=row.flag_id,
                rated_at=row.rated_at,
                scores=_scores_of(row.scores),
            )
            for row in rows
        ]

    async def arrivals(self, item_id: int, since: datetime) -> list[tuple[int, datetime, str | None]]:
        """(member, first rated, state of its flag) of the ratings of an item first given
        since a moment."""
        query = (
            select(_ratings.c.member_id, _ratings.c.first_rated_at, _flags.c.status)
            .outerjoin(_flags, _flags.c.id == _ratings.c.flag_id)
            .where(_ratings.c.item_id == item_id, _ratings.c.first_rated_at >= since)
        )
        async with self._db.engine.connect() as conn:
            return [(int(member), at, flag) for member, at, flag in await conn.execute(query)]

    async def count_first_rated(self, item_id: int, start: datetime, end: datetime) -> int:
        query = select(func.count()).where(
            _ratings.c.item_id == item_id, _ratings.c.first_rated_at >= start, _ratings.c.first_rated_at < end
        )
        async with self._db.engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def notes(self, item_id: int) -> list[str]:
        """The notes given as evidence, without who wrote them or their scores, sorted."""
        query = select(_ratings.c.note).where(
            _ratings.c.item_id == item_id, _ratings.c.note.is_not(None), _ratings.c.used.is_(True), _ratings.c.works_there.is_(False)
        )
        async with self._db.engine.connect() as conn:
            return sorted(str(note) for (note,) in await conn.execute(query) if note)

    # -- flags -----------------------------------------------------------------------------------

    async def flag_burst(
        self, item_id: int, window_start: datetime, ratings: int, new_accounts: int, expected: float, *, recent: datetime
    ) -> tuple[FlagRecord, bool]:
        """Flag the ratings of an item first given since ``window_start``; a flag still
        open (or held) with ratings since ``recent`` takes the new ones in instead of a
        second flag. True when the flag is new."""
        now = utcnow()
        async with self._db.begin() as conn:
            # Two ratings arriving at once make one flag.
            await lock_rows(conn, _items, _items.c.id == item_id)
            open_row = (
                await conn.execute(
                    select(_flags)
                    .where(
                        _flags.c.item_id == item_id,
                        _flags.c.status.in_([FlagStatus.OPEN.value, FlagStatus.HELD.value]),
                        _flags.c.id.in_(select(_ratings.c.flag_id).where(_ratings.c.item_id == item_id, _ratings.c.first_rated_at >= recent)),
                    )
                    .order_by(_flags.c.id.desc())
                )
            ).first()
            if open_row is None:
                result = await conn.execute(
                    insert(_flags).values(
                        item_id=item_id, detected_at=now, window_start=window_start, ratings=ratings, new_accounts=new_accounts, expected=expected, status=FlagStatus.OPEN.value
                    )
                )
                flag_id = stored_id(result.inserted_primary_key[0] if result.inserted_primary_key else None)
                new = True
            else:
                flag_id = int(open_row.id)
                new = False
                window_start = min(window_start, open_row.window_start)
                new_accounts = max(new_accounts, int(open_row.new_accounts))
            await conn.execute(
                update(_ratings)
                .where(_ratings.c.item_id == item_id, _ratings.c.first_rated_at >= window_start, _ratings.c.flag_id.is_(None))
                .values(flag_id=flag_id)
            )
            flagged = (await conn.execute(select(func.count()).where(_ratings.c.flag_id == flag_id))).scalar_one()
            await conn.execute(
                update(_flags)
                .where(_flags.c.id == flag_id)
                .values(ratings=int(flagged), new_accounts=new_accounts, window_start=window_start)
            )
            row = (await conn.execute(select(_flags).where(_flags.c.id == flag_id))).one()
            return _flag(row), new

    async def flag(self, flag_id: int) -> FlagRecord | None:
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(select(_flags).where(_flags.c.id == flag_id))).first()
            return None if row is None else _flag(row)

    async def flags(self, statuses: Iterable[FlagStatus] = (FlagStatus.OPEN, FlagStatus.HELD)) -> list[FlagRecord]:
        query = select(_flags).where(_flags.c.status.in_([s.value for s in statuses])).order_by(_flags.c.id)
        async with self._db.engine.connect() as conn:
            return [_flag(row) for row in await conn.execute(query)]

    async def decide_flag(self, flag_id: int, status: FlagStatus, by: str) -> bool:
        """Hold the flagged ratings out of the score, or count them again (a change of mind
        is allowed: it is one value, set once per press)."""
        async with self._db.begin() as conn:
            result = await conn.execute(
                update(_flags).where(_flags.c.id == flag_id, _flags.c.status != status.value).values(status=status.value, decided_by=by, decided_at=utcnow())
            )
            return bool(result.rowcount)

    # -- marks -----------------------------------------------------------------------------------

    async def marks(self, statuses: Iterable[MarkStatus] = (MarkStatus.ACTIVE,), item_id: int | None = None) -> list[MarkRecord]:
        query = select(_marks).where(_marks.c.status.in_([s.value for s in statuses])).order_by(_marks.c.id)
        if item_id is not None:
            query = query.where(_marks.c.item_id == item_id)
        async with self._db.engine.connect() as conn:
            return [_mark(row) for row in await conn.execute(query)]

    async def award(self, item_id: int, level: str, method_version: int, now: datetime, valid_until: datetime, snapshot: dict[str, Any]) -> MarkRecord | None:
        """A new mark for the item, replacing its active one; None when the active one has
        this level already (awarding twice changes nothing)."""
        async with self._db.begin() as conn:
            await lock_rows(conn, _items, _items.c.id == item_id)  # two awards at once: one mark
            active = (await conn.execute(select(_marks).where(_marks.c.item_id == item_id, _marks.c.status == MarkStatus.ACTIVE.value))).first()
            if active is not None and active.level == level and active.valid_until > now:
                return None
            if active is not None:
                await conn.execute(update(_marks).where(_marks.c.id == active.id).values(status=MarkStatus.REPLACED.value, ended_at=now))
            result = await conn.execute(
                insert(_marks).values(
                    item_id=item_id, level=level, method_version=method_version, awarded_at=now, valid_until=valid_until, status=MarkStatus.ACTIVE.value, snapshot=snapshot
                )
            )
            mark_id = stored_id(result.inserted_primary_key[0] if result.inserted_primary_key else None)
            return _mark((await conn.execute(select(_marks).where(_marks.c.id == mark_id))).one())

    async def expire_marks(self, now: datetime) -> list[MarkRecord]:
        async with self._db.begin() as conn:
            rows = list(await conn.execute(select(_marks).where(_marks.c.status == MarkStatus.ACTIVE.value, _marks.c.valid_until <= now)))
            if rows:
                await conn.execute(
                    update(_marks)
                    .where(_marks.c.id.in_([row.id for row in rows]), _marks.c.status == MarkStatus.ACTIVE.value)
                    .values(status=MarkStatus.EXPIRED.value, ended_at=now)
                )
            return [_mark(row) for row in rows]

    async def withdraw_mark(self, item_id: int, reason: str, now: datetime) -> MarkRecord | None:
        async with self._db.begin() as conn:
            row = (await conn.execute(select(_marks).where(_marks.c.item_id == item_id, _marks.c.status == MarkStatus.ACTIVE.value))).first()
            if row is None:
                return None
            await conn.execute(update(_marks).where(_marks.c.id == row.id).values(status=MarkStatus.WITHDRAWN.value, ended_at=now, reason=reason))
            return _mark((await conn.execute(select(_marks).where(_marks.c.id == row.id))).one())

    # -- appeals ---------------------------------------------------------------------------------

    async def add_appeal(self, item_id: int, member_id: int, text: str) -> AppealRecord:
        async with self._db.begin() as conn:
            result = await conn.execute(insert(_appeals).values(item_id=item_id, member_id=member_id, text=text, status=AppealStatus.OPEN.value, created_at=utcnow()))
            appeal_id = stored_id(result.inserted_primary_key[0] if result.inserted_primary_key else None)
            return _appeal((await conn.execute(select(_appeals).where(_appeals.c.id == appeal_id))).one())

    async def appeal(self, appeal_id: int) -> AppealRecord | None:
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(select(_appeals).where(_appeals.c.id == appeal_id))).first()
            return None if row is None else _appeal(row)

    async def appeals(self, statuses: Iterable[AppealStatus] = (AppealStatus.OPEN,), item_id: int | None = None) -> list[AppealRecord]:
        query = select(_appeals).where(_appeals.c.status.in_([s.value for s in statuses])).order_by(_appeals.c.id)
        if item_id is not None:
            query = query.where(_appeals.c.item_id == item_id)
        async with self._db.engine.connect() as conn:
            return [_appeal(row) for row in await conn.execute(query)]

    async def decide_appeal(self, appeal_id: int, status: AppealStatus, outcome: str, by: str) -> bool:
        async with self._db.begin() as conn:
            result = await conn.execute(
                update(_appeals)
                .where(_appeals.c.id == appeal_id, _appeals.c.status == AppealStatus.OPEN.value)
                .values(status=status.value, outcome=outcome, decided_by=by, decided_at=utcnow())
            )
            return bool(result.rowcount)

    # -- AVG/GDPR --------------------------------------------------------------------------------

    async def export(self, member_id: int) -> dict[str, Any]:
        async with self._db.engine.connect() as conn:
            names = {int(row.id): row.name for row in await conn.execute(select(_items.c.id, _items.c.name))}
            criteria = {int(row.id): row.name for row in await conn.execute(select(_criteria.c.id, _criteria.c.name))}
            ratings = []
            for row in await conn.execute(select(_ratings).where(_ratings.c.member_id == member_id).order_by(_ratings.c.id)):
                rating = await self._rating(conn, int(row.item_id), member_id)
                assert rating is not None
                ratings.append(
                    {
                        "item": names.get(rating.item_id),
                        "used": rating.used,
                        "works_there": rating.works_there,
                        "scores": {criteria.get(c, str(c)): v for c, v in sorted(rating.scores.items())},
                        "note": rating.note,
                        "first_rated_at": rating.first_rated_at.isoformat(),
                        "rated_at": rating.rated_at.isoformat(),
                    }
                )
            history = [
                {
                    "item": names.get(int(row.item_id)),
                    "used": bool(row.used),
                    "works_there": bool(row.works_there),
                    "scores": {criteria.get(int(c), str(c)): v for c, v in sorted((row.scores or {}).items())},
                    "note": row.note,
                    "rated_at": row.rated_at.isoformat(),
                    "replaced_at": row.replaced_at.isoformat(),
                }
                for row in await conn.execute(select(_history).where(_history.c.member_id == member_id).order_by(_history.c.id))
            ]
            proposals = [row.name for row in await conn.execute(select(_items.c.name).where(_items.c.proposed_by == member_id).order_by(_items.c.id))]
            speaks_for = [names.get(int(item_id)) for (item_id,) in await conn.execute(select(_contacts.c.item_id).where(_contacts.c.member_id == member_id))]
            appeals = [
                {"item": names.get(int(row.item_id)), "text": row.text, "status": row.status, "outcome": row.outcome, "created_at": row.created_at.isoformat()}
                for row in await conn.execute(select(_appeals).where(_appeals.c.member_id == member_id).order_by(_appeals.c.id))
            ]
        return {"ratings": ratings, "earlier_ratings": history, "proposed_items": proposals, "speaks_for": speaks_for, "appeals": appeals}

    async def erase(self, member_id: int) -> None:
        """The member's ratings (and so their part of every score), history, contact roles;
        items they proposed and appeals they wrote stay, without them."""
        async with self._db.begin() as conn:
            await conn.execute(delete(_ratings).where(_ratings.c.member_id == member_id))
            await conn.execute(delete(_history).where(_history.c.member_id == member_id))
            await conn.execute(delete(_contacts).where(_contacts.c.member_id == member_id))
            await conn.execute(update(_items).where(_items.c.proposed_by == member_id).values(proposed_by=None))
            await conn.execute(update(_appeals).where(_appeals.c.member_id == member_id).values(member_id=None))


