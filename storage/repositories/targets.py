"""The addressees of campaigns (``campaign_targets``): loaded per source, looked up; records out.

A source (``tk``: the Tweede Kamer's open data, ``csv``: an organizer's list) is replaced
as a whole in one transaction (:meth:`TargetRepository.replace_source`): a target is
matched on ``(source, external_id)``, added or brought up to date, and a target of that
source that is no longer in the list becomes inactive. Nothing is ever deleted: a member
who left the Kamer stays, so old campaigns keep counting what was done for them, but is
no longer offered.

Matching on parties and committees ignores case (``casefold``) and is done in Python over
the active members of parliament (a hundred and fifty, give or take): ``committees`` is a
JSON list, which SQLite and PostgreSQL query differently, and SQLite's ``lower()`` only
knows ASCII.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database
from storage.models.campaigns import CampaignTarget
from storage.records.campaigns import NewTarget, TargetKind, TargetRecord
from storage.types import lock_rows, table_of, utcnow

_targets = table_of(CampaignTarget)

REPLACE_ATTEMPTS = 3
"""Two loads of one source that both add the same new target: the later one fails on the
unique key and runs again, and then sees (and updates) what the first one added."""


def _record(row: Any) -> TargetRecord:
    return TargetRecord(
        id=int(row.id),
        source=row.source,
        external_id=row.external_id,
        name=row.name,
        kind=TargetKind(row.kind),
        party=row.party,
        committees=tuple(str(name) for name in row.committees or ()),
        email=row.email,
        active=bool(row.active),
    )


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _values(target: NewTarget) -> dict[str, Any]:
    return {
        "name": target.name,
        "kind": target.kind.value,
        "party": target.party,
        "committees": list(target.committees),
        "email": target.email,
    }


def _changed(row: Any, values: dict[str, Any]) -> bool:
    return (
        not row.active
        or row.name != values["name"]
        or row.kind != values["kind"]
        or row.party != values["party"]
        or list(row.committees or ()) != values["committees"]
        or row.email != values["email"]
    )


def _ordered(records: Iterable[TargetRecord]) -> list[TargetRecord]:
    """By name (case aside), then by id."""
    return sorted(records, key=lambda record: (record.name.casefold(), record.id))


class TargetRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- loading -------------------------------------------------------------------------------

    async def replace_source(
        self, source: str, targets: Sequence[NewTarget], *, deactivate_missing: bool = True
    ) -> tuple[int, int, int]:
        """Make ``source``'s targets the given list; (added, updated, deactivated).

        One transaction: a target is matched on its external id; a new one is added, a
        known one is updated when a field differs (or it was inactive); one that is no
        longer in the list becomes inactive (unless ``deactivate_missing`` is False), never
        deleted. A second load of the same list changes nothing and returns (0, 0, 0). A
        target whose ``source`` is not ``source`` is a programming error (ValueError); of
        two with the same external id the last one counts.
        """
        wanted: dict[str, NewTarget] = {}
        for target in targets:
            if target.source != source:
                raise ValueError(f"a target of source {target.source!r} given for {source!r}")
            wanted[target.external_id] = target
        for attempt in range(REPLACE_ATTEMPTS):
            try:
                async with self._db.begin() as conn:
                    return await self._replace(conn, source, wanted, deactivate_missing)
            except IntegrityError:
                if attempt == REPLACE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _replace(
        self,
        conn: AsyncConnection,
        source: str,
        wanted: dict[str, NewTarget],
        deactivate_missing: bool,
    ) -> tuple[int, int, int]:
        # Take the source first: two loads run one after the other, the second sees
        # what the first wrote.
        await lock_rows(conn, _targets, _targets.c.source == source)
        existing = {
            row.external_id: row
            for row in await conn.execute(select(_targets).where(_targets.c.source == source))
        }
        now = utcnow()
        added = updated = deactivated = 0
        new_rows: list[dict[str, Any]] = []
        for external_id, target in wanted.items():
            values = _values(target)
            row = existing.get(external_id)
            if row is None:
                new_rows.append(
                    {
                        "source": source,
                        "external_id": external_id,
                        "active": True,
                        "updated_at": now,
                        **values,
                    }
                )
                added += 1
            elif _changed(row, values):
                await conn.execute(
                    update(_targets)
                    .where(_targets.c.id == row.id)
                    .values(active=True, updated_at=now, **values)
                )
                updated += 1
        if new_rows:
            await conn.execute(insert(_targets), new_rows)
        if deactivate_missing:
            gone = [
                int(row.id)
                for external_id, row in existing.items()
                if row.active and external_id not in wanted
            ]
            for start in range(0, len(gone), 500):
                await conn.execute(
                    update(_targets)
                    .where(_targets.c.id.in_(gone[start : start + 500]))
                    .values(active=False, updated_at=now)
                )
            deactivated = len(gone)
        return added, updated, deactivated

    # -- lookups -------------------------------------------------------------------------------

    async def get(self, target_id: int) -> TargetRecord | None:
        """The target, active or not (old campaigns still name it)."""
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(select(_targets).where(_targets.c.id == target_id))).first()
            return None if row is None else _record(row)

    async def many(self, target_ids: Iterable[int]) -> list[TargetRecord]:
        """These targets, active or not, in the order asked (unknown ids left out)."""
        wanted = list(dict.fromkeys(int(target_id) for target_id in target_ids))
        if not wanted:
            return []
        found: dict[int, TargetRecord] = {}
        async with self._db.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                for row in await conn.execute(select(_targets).where(_targets.c.id.in_(chunk))):
                    found[int(row.id)] = _record(row)
        return [found[target_id] for target_id in wanted if target_id in found]

    async def active(self, kind: TargetKind | None = None) -> list[TargetRecord]:
        """Every active target (of one kind), by name."""
        query = select(_targets).where(_targets.c.active.is_(True))
        if kind is not None:
            query = query.where(_targets.c.kind == kind.value)
        async with self._db.engine.connect() as conn:
            return _ordered(_record(row) for row in await conn.execute(query))

    async def by_parties(self, names: Iterable[str]) -> list[TargetRecord]:
        """Active members of parliament of these parties (case does not matter), by name."""
        wanted = {_fold(name) for name in names if name.strip()}
        if not wanted:
            return []
        return [
            record
            for record in await self.active(TargetKind.MP)
            if record.party is not None and _fold(record.party) in wanted
        ]

    async def by_committees(self, names: Iterable[str]) -> list[TargetRecord]:
        """Active members of parliament who sit on one of these committees (case does not
        matter), by name."""
        wanted = {_fold(name) for name in names if name.strip()}
        if not wanted:
            return []
        return [
            record
            for record in await self.active(TargetKind.MP)
            if any(_fold(committee) in wanted for committee in record.committees)
        ]

    async def search(self, text: str, limit: int = 10) -> list[TargetRecord]:
        """Active targets whose name, party or committee holds ``text`` (case does not
        matter): names that start with it first, then by name."""
        needle = _fold(text)
        if not needle or limit <= 0:
            return []
        found: list[tuple[int, TargetRecord]] = []
        for record in await self.active():
            name = _fold(record.name)
            if name.startswith(needle) or any(
                word.startswith(needle) for word in name.split()
            ):
                found.append((0, record))
            elif needle in name:
                found.append((1, record))
            elif (record.party is not None and needle in _fold(record.party)) or any(
                needle in _fold(committee) for committee in record.committees
            ):
                found.append((2, record))
        found.sort(key=lambda item: (item[0], item[1].name.casefold(), item[1].id))
        return [record for _rank, record in found[:limit]]

    async def parties(self) -> list[str]:
        """The parties of the active members of parliament, by name (one spelling each)."""
        return _distinct(
            record.party for record in await self.active(TargetKind.MP) if record.party
        )

    async def committees(self) -> list[str]:
        """The committees the active members of parliament sit on, by name."""
        return _distinct(
            committee
            for record in await self.active(TargetKind.MP)
            for committee in record.committees
        )

    async def count(self, kind: TargetKind | None = None, *, active: bool = True) -> int:
        """How many targets (of one kind); only the active ones unless ``active`` is False."""
        query = select(func.count(_targets.c.id))
        if active:
            query = query.where(_targets.c.active.is_(True))
        if kind is not None:
            query = query.where(_targets.c.kind == kind.value)
        async with self._db.engine.connect() as conn:
            return int((await conn.execute(query)).scalar() or 0)


def _distinct(names: Iterable[str]) -> list[str]:
    """Each name once, whatever its case: in the spelling used most (of two as common, the
    one that sorts first, capitals before small letters)."""
    spellings: dict[str, Counter[str]] = {}
    for name in names:
        spellings.setdefault(_fold(name), Counter())[name] += 1
    chosen = [min(found, key=lambda name: (-found[name], name)) for found in spellings.values()]
    return sorted(chosen, key=lambda name: (name.casefold(), name))
