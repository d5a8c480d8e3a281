"""The magazine's queries: editions, contributions and their files; records out.

A file is "loose" while nothing refers to it: uploaded in a conversation that has not
ended (or never will). Loose files are removed when the conversation is cancelled, by the
daily housekeeping once they are old, and with a member's other data on erasure.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models.magazine import MagazineContribution, MagazineEdition, MagazineFile
from storage.records.magazine import (
    ContributionKind,
    ContributionRecord,
    ContributionState,
    EditionRecord,
    FileInfo,
    NewContribution,
    NewEdition,
    StoredFile,
)
from storage.types import stored_id, table_of, utcnow

_files = table_of(MagazineFile)
_editions = table_of(MagazineEdition)
_contributions = table_of(MagazineContribution)


def _edition(row: Any) -> EditionRecord:
    return EditionRecord(
        id=int(row.id),
        number=int(row.number),
        title=row.title,
        published_on=row.published_on,
        summary=row.summary,
        link_url=row.link_url,
        cover_file_id=row.cover_file_id,
        pdf_file_id=row.pdf_file_id,
        broadcast_id=row.broadcast_id,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def _contribution(row: Any) -> ContributionRecord:
    file = None
    if row.file_id is not None:
        file = FileInfo(int(row.file_id), row.filename, row.mime_type, int(row.size or 0))
    return ContributionRecord(
        id=int(row.id),
        member_id=row.member_id,
        author_name=row.author_name,
        kind=ContributionKind(row.kind),
        text=row.text,
        file=file,
        state=ContributionState(row.state),
        created_at=row.created_at,
        decided_at=row.decided_at,
        decided_by=row.decided_by,
    )


def _referenced() -> ColumnElement[bool]:
    """A file that an edition or a contribution refers to."""
    return or_(
        exists().where(_editions.c.cover_file_id == _files.c.id),
        exists().where(_editions.c.pdf_file_id == _files.c.id),
        exists().where(_contributions.c.file_id == _files.c.id),
    )


_CONTRIBUTION_COLUMNS = (
    _contributions,
    _files.c.filename,
    _files.c.mime_type,
    func.length(_files.c.data).label("size"),
)


class MagazineRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- files ---------------------------------------------------------------------------------

    async def add_file(
        self, filename: str, mime_type: str, data: bytes, member_id: int | None
    ) -> int:
        async with self._db.begin() as conn:
            result = await conn.execute(
                insert(_files)
                .values(
                    filename=filename,
                    mime_type=mime_type,
                    data=data,
                    member_id=member_id,
                    created_at=utcnow(),
                )
                .returning(_files.c.id)
            )
            return stored_id(result.scalar_one())

    async def file(self, file_id: int) -> StoredFile | None:
        async with self._db.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(_files.c.id, _files.c.filename, _files.c.mime_type, _files.c.data).where(
                        _files.c.id == file_id
                    )
                )
            ).first()
            if row is None:
                return None
            return StoredFile(int(row.id), row.filename, row.mime_type, bytes(row.data))

    async def existing_files(self, file_ids: Iterable[int]) -> set[int]:
        wanted = list(file_ids)
        if not wanted:
            return set()
        async with self._db.engine.connect() as conn:
            result = await conn.execute(select(_files.c.id).where(_files.c.id.in_(wanted)))
            return {int(file_id) for (file_id,) in result}

    async def discard_loose(self, file_ids: Iterable[int]) -> int:
        """Delete these files unless an edition or a contribution refers to them."""
        wanted = list(file_ids)
        if not wanted:
            return 0
        async with self._db.begin() as conn:
            result = await conn.execute(
                delete(_files).where(_files.c.id.in_(wanted), ~_referenced())
            )
            return int(result.rowcount or 0)

    async def purge_loose(self, before: datetime) -> int:
        """Files uploaded before ``before`` that nothing refers to (abandoned conversations)."""
        async with self._db.begin() as conn:
            result = await conn.execute(
                delete(_files).where(_files.c.created_at < before, ~_referenced())
            )
            return int(result.rowcount or 0)

    # -- editions ------------------------------------------------------------------------------

    async def number_taken(self, number: int) -> bool:
        async with self._db.engine.connect() as conn:
            found = await conn.execute(select(_editions.c.id).where(_editions.c.number == number))
            return found.first() is not None

    async def highest_number(self) -> int | None:
        async with self._db.engine.connect() as conn:
            found = (await conn.execute(select(func.max(_editions.c.number)))).scalar()
            return None if found is None else int(found)

    async def add_edition(self, new: NewEdition) -> EditionRecord | None:
        """The stored edition; None when its number is taken (also by a race)."""
        try:
            async with self._db.begin() as conn:
                taken = await conn.execute(
                    select(_editions.c.id).where(_editions.c.number == new.number)
                )
                if taken.first() is not None:
                    return None
                result = await conn.execute(
                    insert(_editions)
                    .values(
                        number=new.number,
                        title=new.title,
                        published_on=new.published_on,
                        summary=new.summary,
                        link_url=new.link_url,
                        cover_file_id=new.cover_file_id,
                        pdf_file_id=new.pdf_file_id,
                        created_by=new.created_by,
                        created_at=utcnow(),
                    )
                    .returning(_editions.c.id)
                )
                edition_id = stored_id(result.scalar_one())
                # The files are the association's now, whoever sent them.
                files = [f for f in (new.cover_file_id, new.pdf_file_id) if f is not None]
                if files:
                    await conn.execute(
                        update(_files).where(_files.c.id.in_(files)).values(member_id=None)
                    )
        except IntegrityError:
            return None
        return await self.edition(edition_id)

    async def set_broadcast(self, edition_id: int, broadcast_id: int) -> None:
        async with self._db.begin() as conn:
            await conn.execute(
                update(_editions)
                .where(_editions.c.id == edition_id)
                .values(broadcast_id=broadcast_id)
            )

    async def edition(self, edition_id: int) -> EditionRecord | None:
        async with self._db.engine.connect() as conn:
            row = (
                await conn.execute(select(_editions).where(_editions.c.id == edition_id))
            ).first()
            return None if row is None else _edition(row)

    async def editions(self, limit: int = 20) -> list[EditionRecord]:
        """The newest (highest number) first."""
        async with self._db.engine.connect() as conn:
            result = await conn.execute(
                select(_editions).order_by(_editions.c.number.desc()).limit(limit)
            )
            return [_edition(row) for row in result]

    async def edition_count(self) -> int:
        async with self._db.engine.connect() as conn:
            return int((await conn.execute(select(func.count(_editions.c.id)))).scalar() or 0)

    # -- contributions -------------------------------------------------------------------------

    def _contribution_query(self) -> Any:
        return select(*_CONTRIBUTION_COLUMNS).select_from(
            _contributions.outerjoin(_files, _files.c.id == _contributions.c.file_id)
        )

    async def add_contribution(self, new: NewContribution) -> ContributionRecord:
        async with self._db.begin() as conn:
            result = await conn.execute(
                insert(_contributions)
                .values(
                    member_id=new.member_id,
                    author_name=new.author_name,
                    kind=new.kind.value,
                    text=new.text,
                    file_id=new.file_id,
                    state=ContributionState.NEW.value,
                    created_at=utcnow(),
                )
                .returning(_contributions.c.id)
            )
            contribution_id = stored_id(result.scalar_one())
        found = await self.contribution(contribution_id)
        if found is None:  # pragma: no cover - just written in a committed transaction
            raise RuntimeError("a stored contribution is gone")
        return found

    async def contribution(self, contribution_id: int) -> ContributionRecord | None:
        query = self._contribution_query().where(
            _contributions.c.id == contribution_id, _contributions.c.erased_at.is_(None)
        )
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(query)).first()
            return None if row is None else _contribution(row)

    async def contributions(
        self, states: Collection[ContributionState] = (), *, limit: int = 10
    ) -> list[ContributionRecord]:
        """The newest first; erased ones never."""
        query = (
            self._contribution_query()
            .where(_contributions.c.erased_at.is_(None))
            .order_by(_contributions.c.id.desc())
            .limit(limit)
        )
        if states:
            query = query.where(_contributions.c.state.in_([s.value for s in states]))
        async with self._db.engine.connect() as conn:
            return [_contribution(row) for row in await conn.execute(query)]

    async def count(self, state: ContributionState, member_id: int | None = None) -> int:
        query = select(func.count(_contributions.c.id)).where(
            _contributions.c.state == state.value, _contributions.c.erased_at.is_(None)
        )
        if member_id is not None:
            query = query.where(_contributions.c.member_id == member_id)
        async with self._db.engine.connect() as conn:
            return int((await conn.execute(query)).scalar() or 0)

    async def decide(self, contribution_id: int, state: ContributionState, by: str) -> bool:
        """Accept or decline a new contribution; False when it was decided (or erased)."""
        async with self._db.begin() as conn:
            result = await conn.execute(
                update(_contributions)
                .where(
                    _contributions.c.id == contribution_id,
                    _contributions.c.state == ContributionState.NEW.value,
                    _contributions.c.erased_at.is_(None),
                )
                .values(state=state.value, decided_at=utcnow(), decided_by=by)
            )
            return bool(result.rowcount == 1)

    # -- AVG/GDPR ------------------------------------------------------------------------------

    async def contributions_of(
        self, member_id: int
    ) -> list[tuple[ContributionRecord, StoredFile | None]]:
        query = (
            self._contribution_query()
            .where(_contributions.c.member_id == member_id)
            .order_by(_contributions.c.id)
        )
        async with self._db.engine.connect() as conn:
            records = [_contribution(row) for row in await conn.execute(query)]
        found: list[tuple[ContributionRecord, StoredFile | None]] = []
        for record in records:
            file = await self.file(record.file.id) if record.file is not None else None
            found.append((record, file))
        return found

    async def loose_files_of(self, member_id: int) -> list[FileInfo]:
        """Files the member sent in a conversation that did not become a contribution."""
        query = select(
            _files.c.id,
            _files.c.filename,
            _files.c.mime_type,
            func.length(_files.c.data).label("size"),
        ).where(_files.c.member_id == member_id, ~_referenced())
        async with self._db.engine.connect() as conn:
            return [
                FileInfo(int(row.id), row.filename, row.mime_type, int(row.size or 0))
                for row in await conn.execute(query)
            ]

    async def erase_member(self, member_id: int) -> None:
        """Texts, names and files of a member's contributions, and their loose files, go;
        each contribution keeps only its kind, state and dates."""
        async with self._db.begin() as conn:
            files = [
                int(file_id)
                for (file_id,) in await conn.execute(
                    select(_contributions.c.file_id).where(
                        _contributions.c.member_id == member_id,
                        _contributions.c.file_id.is_not(None),
                    )
                )
            ]
            await conn.execute(
                update(_contributions)
                .where(_contributions.c.member_id == member_id)
                .values(
                    member_id=None,
                    author_name=None,
                    text=None,
                    file_id=None,
                    erased_at=utcnow(),
                )
            )
            await conn.execute(
                delete(_files).where(
                    or_(_files.c.member_id == member_id, _files.c.id.in_(files)), ~_referenced()
                )
            )
