"""Surveys: definitions, participation, answers, tallies, and the batched answer writes.

Every method returns plain dataclasses. :meth:`SurveyRepository.write_batch` is the one
write of the answer path: many members' answers in one transaction (group commit), each
kind of statement as one executemany.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col
from sqlmodel import select as model_select

from storage.db import Database
from storage.models import (
    Member,
    Survey,
    SurveyAnswer,
    SurveyNewsOptIn,
    SurveyParticipation,
    SurveyQuestion,
    SurveyResponse,
)
from storage.types import utcnow

log = logging.getLogger(__name__)

SKIPPED = -1
NOTE = 0


class SurveyStatus(StrEnum):
    """Where a survey is in its life; only ``open`` takes answers."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"
    """Closed and put away: out of the organizers' list, results still there."""

    @property
    def ended(self) -> bool:
        return self in (SurveyStatus.CLOSED, SurveyStatus.ARCHIVED)


@dataclass(frozen=True)
class SurveyRecord:
    id: int
    title: str
    intro: str
    mode: str
    results: str
    audience: dict[str, list[str]]
    status: str
    opens_at: datetime | None
    closes_at: datetime | None
    created_by: str | None
    published_at: datetime | None
    reminded_at: datetime | None
    announced_at: datetime | None
    questions: tuple[QuestionRecord, ...] = ()


@dataclass(frozen=True)
class NewQuestion:
    kind: str
    text: str
    options: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    max_choices: int | None = None
    min_value: float | None = None
    max_value: float | None = None
    max_length: int | None = None
    explain: bool = False
    required: bool = True


@dataclass(frozen=True, kw_only=True)
class QuestionRecord(NewQuestion):
    """A stored question: the definition plus where it is kept."""

    id: int
    position: int


@dataclass(frozen=True)
class NewSurvey:
    title: str
    intro: str
    mode: str
    results: str
    audience: dict[str, list[str]]
    opens_at: datetime | None
    closes_at: datetime | None
    created_by: str | None
    questions: tuple[NewQuestion, ...]


@dataclass(frozen=True)
class Segment:
    """The facts of a response that results are broken down by (snapshotted at answer time)."""

    work_situation: str | None
    province: str | None
    kind: str | None
    member_id: int | None = None  # named surveys only


@dataclass(slots=True)
class AnswerWrite:
    """One queued answer: rows for one question of one response, plus what goes with it.

    ``claim`` inserts the participation and response rows (first answer of a voice);
    ``clear`` removes earlier rows of this question first: ``all`` or only the ``note``;
    ``complete`` marks the participation complete.
    """

    survey_id: int
    voice_key: str
    response_key: str
    question_id: int
    rows: list[tuple[int, float | None, str | None]]
    claim: Segment | None = None
    clear: str = "none"
    complete: bool = False


@dataclass(frozen=True)
class AudienceMember:
    member_id: int
    kind: str
    organization_id: int | None
    work_situation: str | None
    province: str | None

    @property
    def voice_key(self) -> str:
        if self.kind == "sponsor" and self.organization_id is not None:
            return f"sponsor:{self.organization_id}"
        return f"member:{self.member_id}"


@dataclass
class StoredAnswers:
    """What one response holds so far: question id -> rows (choice, number, text)."""

    rows: dict[int, list[tuple[int, float | None, str | None]]] = field(default_factory=dict)


def _survey(row: Survey, questions: Sequence[SurveyQuestion]) -> SurveyRecord:
    return SurveyRecord(
        id=int(row.id),  # type: ignore[arg-type]
        title=row.title,
        intro=row.intro,
        mode=row.mode,
        results=row.results,
        audience={k: list(v) for k, v in (row.audience or {}).items()},
        status=row.status,
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        created_by=row.created_by,
        published_at=row.published_at,
        reminded_at=row.reminded_at,
        announced_at=row.announced_at,
        questions=tuple(
            QuestionRecord(
                id=int(q.id),  # type: ignore[arg-type]
                position=q.position,
                kind=q.kind,
                text=q.text,
                options=tuple(q.options or ()),
                labels=tuple(q.labels or ()),
                max_choices=q.max_choices,
                min_value=q.min_value,
                max_value=q.max_value,
                max_length=q.max_length,
                explain=q.explain,
                required=q.required,
            )
            for q in sorted(questions, key=lambda q: q.position)
        ),
    )


class DirectSqlite:
    """A plain sqlite3 connection that commits answer batches in a thread of its own.

    The whole batch is ONE statement: an insert of the batch as a JSON document into a
    TEMP view, whose INSTEAD OF trigger runs every insert, delete and update of the batch
    (one implicit transaction, so all or nothing). The sqlite3 module releases the GIL
    around each step of a statement, so SQLite's work (about 10 µs per row) runs beside
    the event loop instead of on it. Statement by statement (``executemany`` re-takes the
    GIL for every row) the thread would wait for the busy loop thread at every row; with
    one statement it takes the GIL back only a few times per batch. The view and trigger
    are TEMP: they live in this connection only, never in the database file.

    Waiting for another writer's lock happens in that thread too (busy timeout), so the
    loop never blocks on a lock held by a transaction it must drive.
    """

    CHECKPOINT_EVERY = 100
    """Commits between two WAL checkpoints, which run in a worker thread."""

    SCHEMA = (
        "CREATE TEMP VIEW answer_batch (payload) AS SELECT NULL",
        f"""CREATE TEMP TRIGGER answer_batch_write INSTEAD OF INSERT ON answer_batch
        BEGIN
          INSERT INTO survey_participations (survey_id, voice_key, completed)
            SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), false
            FROM json_each(new.payload, '$.p') WHERE true ON CONFLICT DO NOTHING;
          INSERT INTO survey_responses (survey_id, response_key, work_situation, province,
              kind, member_id)
            SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'),
              json_extract(value, '$[2]'), json_extract(value, '$[3]'),
              json_extract(value, '$[4]'), json_extract(value, '$[5]')
            FROM json_each(new.payload, '$.r') WHERE true ON CONFLICT DO NOTHING;
          DELETE FROM survey_answers WHERE (question_id, response_key) IN (
            SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]')
            FROM json_each(new.payload, '$.ca'));
          DELETE FROM survey_answers WHERE choice = {NOTE} AND (question_id, response_key) IN (
            SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]')
            FROM json_each(new.payload, '$.cn'));
          INSERT INTO survey_answers (question_id, response_key, choice, number, text)
            SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'),
              json_extract(value, '$[2]'), json_extract(value, '$[3]'),
              json_extract(value, '$[4]')
            FROM json_each(new.payload, '$.a') WHERE true ON CONFLICT DO NOTHING;
          UPDATE survey_participations SET completed = true
            WHERE (survey_id, voice_key) IN (
              SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]')
              FROM json_each(new.payload, '$.c'));
        END""",
    )

    def __init__(self, path: str) -> None:
        self._path = path
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._connection.execute("PRAGMA busy_timeout=10000")
        self._connection.execute("PRAGMA foreign_keys=ON")
        self._connection.execute("PRAGMA synchronous=FULL")
        # A checkpoint fsyncs the database file: never on the event loop's thread.
        self._connection.execute("PRAGMA wal_autocheckpoint=0")
        self._ready = False
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="survey-writer")
        self.commits = 0

    @property
    def synchronous(self) -> int:
        """SQLite's synchronous level of the writer (2, FULL: each commit fsyncs the WAL,
        so an answer reported saved survives a power loss, not only a crash)."""
        return int(self._connection.execute("PRAGMA synchronous").fetchone()[0])

    def checkpoint(self) -> None:
        """Copy the WAL back into the database file (PASSIVE: writers are not blocked)."""
        connection = sqlite3.connect(self._path, isolation_level=None)
        try:
            connection.execute("PRAGMA busy_timeout=1000")
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            connection.close()

    async def write(self, payload: str) -> None:
        """Commit one batch (a JSON document, see :meth:`SurveyRepository._parts`)."""
        await asyncio.get_running_loop().run_in_executor(self._thread, self._write, payload)
        self.commits += 1

    def _write(self, payload: str) -> None:
        if not self._ready:
            # At the first batch, not at construction: the migrations may run in between.
            # Read the main schema first, or the trigger is compiled against the (empty)
            # schema this connection saw when it was opened.
            self._connection.execute("SELECT count(*) FROM main.sqlite_master").fetchall()
            for statement in self.SCHEMA:
                self._connection.execute(statement)
            self._ready = True
        self._connection.execute("INSERT INTO answer_batch (payload) VALUES (?)", (payload,))

    def close(self) -> None:
        self._thread.shutdown(wait=True)
        self._connection.close()


class SurveyRepository:
    def __init__(self, db: Database, *, direct_sqlite: bool = True) -> None:
        self._db = db
        self._insert = postgresql.insert if not db.is_sqlite else sqlite.insert
        self._direct: DirectSqlite | None = None
        self._checkpointing: asyncio.Task[None] | None = None
        path = db.url.database
        if direct_sqlite and db.is_sqlite and path and path != ":memory:":
            self._direct = DirectSqlite(path)

    def _maybe_checkpoint(self, direct: DirectSqlite) -> None:
        running = self._checkpointing is not None and not self._checkpointing.done()
        if direct.commits % direct.CHECKPOINT_EVERY == 0 and not running:
            self._checkpointing = asyncio.get_running_loop().create_task(
                asyncio.to_thread(direct.checkpoint)
            )

    def count_saved(self) -> None:
        """An answer batch was committed for the calling task (see ``Database.commits``)."""
        self._db.count_commit()

    def close(self) -> None:
        if self._direct is not None:
            self._direct.close()
            self._direct = None

    # -- definitions -----------------------------------------------------------------

    async def create(self, new: NewSurvey) -> int:
        async with self._db.transaction() as session:
            survey = Survey(
                title=new.title,
                intro=new.intro,
                mode=new.mode,
                results=new.results,
                audience=new.audience,
                opens_at=new.opens_at,
                closes_at=new.closes_at,
                created_by=new.created_by,
            )
            session.add(survey)
            await session.flush()
            for position, question in enumerate(new.questions, start=1):
                session.add(
                    SurveyQuestion(
                        survey_id=survey.id,  # type: ignore[arg-type]
                        position=position,
                        kind=question.kind,
                        text=question.text,
                        options=list(question.options),
                        labels=list(question.labels),
                        max_choices=question.max_choices,
                        min_value=question.min_value,
                        max_value=question.max_value,
                        max_length=question.max_length,
                        explain=question.explain,
                        required=question.required,
                    )
                )
            return int(survey.id)  # type: ignore[arg-type]

    async def get(self, survey_id: int) -> SurveyRecord | None:
        async with self._db.session() as session:
            row = await session.get(Survey, survey_id)
            if row is None:
                return None
            questions = (
                await session.exec(
                    model_select(SurveyQuestion).where(col(SurveyQuestion.survey_id) == survey_id)
                )
            ).all()
            return _survey(row, list(questions))

    async def list(self, statuses: Sequence[str] | None = None) -> list[SurveyRecord]:
        """Surveys without their questions; a row that cannot be read is skipped and logged,
        so one broken survey never takes the list down for everyone."""
        query = model_select(Survey).order_by(col(Survey.id))
        if statuses:
            query = query.where(col(Survey.status).in_(list(statuses)))
        try:
            async with self._db.session() as session:
                return [_survey(row, ()) for row in (await session.exec(query)).all()]
        except Exception:
            log.exception("a survey cannot be read; listing them one by one")
        async with self._db.session() as session:
            ids = list((await session.exec(query.with_only_columns(col(Survey.id)))).all())
        found: list[SurveyRecord] = []
        for survey_id in ids:
            try:
                async with self._db.session() as session:
                    row = await session.get(Survey, survey_id)
                    if row is not None:
                        found.append(_survey(row, ()))
            except Exception:
                log.exception("survey %s cannot be read; left out of the list", survey_id)
        return found

    async def delete(self, survey_id: int, from_statuses: Sequence[str]) -> bool:
        """Delete a survey (and its questions) only while it is in ``from_statuses``."""
        async with self._db.transaction() as session:
            result = await session.exec(  # type: ignore[call-overload]
                delete(Survey).where(
                    col(Survey.id) == survey_id, col(Survey.status).in_(list(from_statuses))
                )
            )
            return bool(result.rowcount == 1)

    async def update(self, survey_id: int, **values: Any) -> None:
        async with self._db.transaction() as session:
            await session.exec(  # type: ignore[call-overload]
                update(Survey).where(col(Survey.id) == survey_id).values(**values)
            )

    async def transition(self, survey_id: int, from_statuses: Sequence[str], **values: Any) -> bool:
        """Change a survey only if it is still in one of ``from_statuses`` (races lose)."""
        async with self._db.transaction() as session:
            result = await session.exec(  # type: ignore[call-overload]
                update(Survey)
                .where(col(Survey.id) == survey_id, col(Survey.status).in_(list(from_statuses)))
                .values(**values)
            )
            return result.rowcount == 1

    # -- the answer path -----------------------------------------------------------------

    def _sql(self, statement: str) -> str:
        """Plain SQL with ``?`` placeholders in the driver's own style (qmark or $n)."""
        if self._db.is_sqlite:
            return statement
        parts = statement.split("?")
        return "".join(f"{part}${n}" for n, part in enumerate(parts[:-1], start=1)) + parts[-1]

    @staticmethod
    def _parts(writes: Sequence[AnswerWrite]) -> dict[str, list[tuple[Any, ...]]]:
        """The batch as rows per statement kind, in one pass (thousands of answers, on the
        event loop): participations, responses, clear all, clear note, answers, completes.
        """
        participations: list[tuple[Any, ...]] = []
        responses: list[tuple[Any, ...]] = []
        clear_all: list[tuple[Any, ...]] = []
        clear_note: list[tuple[Any, ...]] = []
        rows: list[tuple[Any, ...]] = []
        completes: list[tuple[Any, ...]] = []
        for w in writes:
            claim = w.claim
            if claim is not None:
                participations.append((w.survey_id, w.voice_key))
                responses.append(
                    (
                        w.survey_id,
                        w.response_key,
                        claim.work_situation,
                        claim.province,
                        claim.kind,
                        claim.member_id,
                    )
                )
            clear = w.clear
            if clear != "none":
                (clear_all if clear == "all" else clear_note).append(
                    (w.question_id, w.response_key)
                )
            if len(w.rows) == 1:
                c, n, t = w.rows[0]
                rows.append((w.question_id, w.response_key, c, n, t))
            else:
                question_id, response_key = w.question_id, w.response_key
                rows.extend((question_id, response_key, c, n, t) for c, n, t in w.rows)
            if w.complete:
                completes.append((w.survey_id, w.voice_key))
        return {
            "p": participations,
            "r": responses,
            "ca": clear_all,
            "cn": clear_note,
            "a": rows,
            "c": completes,
        }

    @staticmethod
    def _statements(
        parts: dict[str, list[tuple[Any, ...]]],
    ) -> list[tuple[str, list[tuple[Any, ...]]]]:
        """The batch as (SQL with ? placeholders, executemany rows), in the order to run."""
        sql = {
            "p": "INSERT INTO survey_participations (survey_id, voice_key, completed) "
            "VALUES (?, ?, false) ON CONFLICT DO NOTHING",
            "r": "INSERT INTO survey_responses (survey_id, response_key, work_situation, "
            "province, kind, member_id) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            "ca": "DELETE FROM survey_answers WHERE question_id = ? AND response_key = ?",
            "cn": "DELETE FROM survey_answers WHERE question_id = ? AND response_key = ? "
            f"AND choice = {NOTE}",
            "a": "INSERT INTO survey_answers (question_id, response_key, choice, number, text) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            "c": "UPDATE survey_participations SET completed = true "
            "WHERE survey_id = ? AND voice_key = ?",
        }
        return [(sql[kind], rows) for kind, rows in parts.items() if rows]

    async def write_batch(self, writes: Sequence[AnswerWrite]) -> None:
        """Commit many answers at once; the caller learns "saved" only after this returns.

        On SQLite, one statement on a direct connection in a thread of its own (see
        :class:`DirectSqlite`). Elsewhere, driver-level executemany, one per kind of
        statement: this is the hot path, and SQLAlchemy's per-row parameter processing
        would cost more than the database itself.
        """
        parts = self._parts(writes)
        direct = self._direct
        if direct is not None:
            await direct.write(json.dumps(parts))
            self._maybe_checkpoint(direct)
            return
        async with self._db.begin() as conn:
            for sql, rows in self._statements(parts):
                await conn.exec_driver_sql(self._sql(sql), rows)

    async def participation(self, survey_id: int, voice_key: str) -> bool | None:
        """None when the voice has not taken part; else whether it completed."""
        async with self._db.engine.connect() as conn:
            table = SurveyParticipation.__table__  # type: ignore[attr-defined]
            row = (
                await conn.execute(
                    select(table.c.completed).where(
                        table.c.survey_id == survey_id, table.c.voice_key == voice_key
                    )
                )
            ).first()
            return None if row is None else bool(row[0])

    async def participations(self, survey_id: int, voice_keys: Sequence[str]) -> dict[str, bool]:
        """Of these voices, the ones that took part, with whether they completed."""
        async with self._db.engine.connect() as conn:
            table = SurveyParticipation.__table__  # type: ignore[attr-defined]
            result = await conn.execute(
                select(table.c.voice_key, table.c.completed).where(
                    table.c.survey_id == survey_id, table.c.voice_key.in_(list(voice_keys))
                )
            )
            return {voice: bool(done) for voice, done in result}

    async def answers_of(self, question_ids: Sequence[int], response_key: str) -> StoredAnswers:
        stored = StoredAnswers()
        if not question_ids:
            return stored
        async with self._db.engine.connect() as conn:
            table = SurveyAnswer.__table__  # type: ignore[attr-defined]
            result = await conn.execute(
                select(table.c.question_id, table.c.choice, table.c.number, table.c.text).where(
                    table.c.question_id.in_(list(question_ids)),
                    table.c.response_key == response_key,
                )
            )
            for question_id, choice, number, text in result:
                stored.rows.setdefault(question_id, []).append((choice, number, text))
        return stored

    async def voices(self, survey_id: int) -> dict[str, bool]:
        """Every voice that took part, with whether it completed."""
        async with self._db.engine.connect() as conn:
            table = SurveyParticipation.__table__  # type: ignore[attr-defined]
            result = await conn.execute(
                select(table.c.voice_key, table.c.completed).where(table.c.survey_id == survey_id)
            )
            return {voice: bool(done) for voice, done in result}

    # -- results -----------------------------------------------------------------------------

    async def tally(self, question_id: int) -> dict[int, int]:
        """Count per choice of one question (covering index on question and choice)."""
        table = SurveyAnswer.__table__  # type: ignore[attr-defined]
        async with self._db.engine.connect() as conn:
            result = await conn.execute(
                select(table.c.choice, func.count())
                .where(table.c.question_id == question_id, table.c.choice > NOTE)
                .group_by(table.c.choice)
            )
            return {int(choice): int(count) for choice, count in result}

    async def answered(self, question_id: int) -> int:
        """How many responses answered a question (skips not counted)."""
        table = SurveyAnswer.__table__  # type: ignore[attr-defined]
        async with self._db.engine.connect() as conn:
            result = await conn.execute(
                select(func.count(func.distinct(table.c.response_key))).where(
                    table.c.question_id == question_id, table.c.choice >= NOTE
                )
            )
            return int(result.scalar_one())

    async def breakdown(
        self, survey_id: int, question_id: int, segment: str
    ) -> list[tuple[str | None, int, int]]:
        """(segment value, choice, count) of one question: choice 0 rows give the group's n."""
        answers = SurveyAnswer.__table__  # type: ignore[attr-defined]
        responses = SurveyResponse.__table__  # type: ignore[attr-defined]
        column = responses.c[segment]
        join = answers.join(
            responses,
            and_(
                responses.c.survey_id == survey_id,
                responses.c.response_key == answers.c.response_key,
            ),
        )
        async with self._db.engine.connect() as conn:
            counted = await conn.execute(
                select(column, answers.c.choice, func.count())
                .select_from(join)
                .where(answers.c.question_id == question_id, answers.c.choice > NOTE)
                .group_by(column, answers.c.choice)
            )
            found = [(value, int(choice), int(count)) for value, choice, count in counted]
            groups = await conn.execute(
                select(column, func.count(func.distinct(answers.c.response_key)))
                .select_from(join)
                .where(answers.c.question_id == question_id, answers.c.choice >= NOTE)
                .group_by(column)
            )
            found += [(value, NOTE, int(count)) for value, count in groups]
            return found

    async def values(self, question_id: int) -> list[tuple[float | None, str | None]]:
        """The number or text values (choice 0 rows) of one question."""
        table = SurveyAnswer.__table__  # type: ignore[attr-defined]
        async with self._db.engine.connect() as conn:
            result = await conn.execute(
                select(table.c.number, table.c.text).where(
                    table.c.question_id == question_id, table.c.choice == NOTE
                )
            )
            return [(number, text) for number, text in result]

    async def response_count(self, survey_id: int) -> int:
        table = SurveyResponse.__table__  # type: ignore[attr-defined]
        async with self._db.engine.connect() as conn:
            result = await conn.execute(
                select(func.count()).select_from(table).where(table.c.survey_id == survey_id)
            )
            return int(result.scalar_one())

    async def responses(
        self, survey_id: int
    ) -> list[tuple[str, Segment, dict[int, list[tuple[int, float | None, str | None]]]]]:
        """Every response with its segment and answers, ordered by key (no time order)."""
        responses = SurveyResponse.__table__  # type: ignore[attr-defined]
        answers = SurveyAnswer.__table__  # type: ignore[attr-defined]
        questions = SurveyQuestion.__table__  # type: ignore[attr-defined]
        found: dict[str, tuple[Segment, dict[int, list[tuple[int, float | None, str | None]]]]] = {}
        async with self._db.engine.connect() as conn:
            for key, ws, province, kind, member_id in await conn.execute(
                select(
                    responses.c.response_key,
                    responses.c.work_situation,
                    responses.c.province,
                    responses.c.kind,
                    responses.c.member_id,
                )
                .where(responses.c.survey_id == survey_id)
                .order_by(responses.c.response_key)
            ):
                found[key] = (Segment(ws, province, kind, member_id), {})
            for key, question_id, choice, number, text in await conn.execute(
                select(
                    answers.c.response_key,
                    answers.c.question_id,
                    answers.c.choice,
                    answers.c.number,
                    answers.c.text,
                )
                .select_from(answers.join(questions, questions.c.id == answers.c.question_id))
                .where(questions.c.survey_id == survey_id)
            ):
                if key in found:
                    found[key][1].setdefault(question_id, []).append((choice, number, text))
        return [(key, segment, rows) for key, (segment, rows) in found.items()]

    # -- audience and news -------------------------------------------------------------------

    async def audience(
        self, audience: dict[str, list[str]], *, verified_only: bool
    ) -> list[AudienceMember]:
        """Members that a survey's audience covers (segment facts as they are now)."""
        async with self._db.session() as session:
            query = model_select(
                col(Member.id),
                col(Member.kind),
                col(Member.organization_id),
                col(Member.work_situation),
                col(Member.province),
            ).where(col(Member.erased_at).is_(None))
            if verified_only:
                query = query.where(col(Member.email_verified_at).is_not(None))
            for name, column in (
                ("work_situation", Member.work_situation),
                ("province", Member.province),
                ("kind", Member.kind),
            ):
                if audience.get(name):
                    query = query.where(col(column).in_(audience[name]))
            rows = await session.exec(query.order_by(col(Member.id)))  # type: ignore[call-overload]
            return [AudienceMember(int(i), k, o, w, p) for i, k, o, w, p in rows.all()]

    async def set_news(self, member_id: int, wanted: bool) -> bool:
        """Opt in or out of survey news; True when something changed."""
        async with self._db.transaction() as session:
            row = await session.get(SurveyNewsOptIn, member_id)
            if wanted and row is None:
                session.add(SurveyNewsOptIn(member_id=member_id, since=utcnow()))
                return True
            if not wanted and row is not None:
                await session.delete(row)
                return True
            return False

    async def news_subscribers(self) -> set[int]:
        async with self._db.session() as session:
            rows = await session.exec(model_select(col(SurveyNewsOptIn.member_id)))
            return {int(member_id) for member_id in rows.all()}

    async def news_since(self, member_id: int) -> datetime | None:
        async with self._db.session() as session:
            row = await session.get(SurveyNewsOptIn, member_id)
            return row.since if row else None

    # -- privacy ----------------------------------------------------------------------------

    async def participations_of(self, voice_key: str) -> list[tuple[int, str, str, bool]]:
        """(survey id, title, mode, completed) of every survey a voice took part in."""
        part = SurveyParticipation.__table__  # type: ignore[attr-defined]
        surveys = Survey.__table__  # type: ignore[attr-defined]
        async with self._db.engine.connect() as conn:
            result = await conn.execute(
                select(surveys.c.id, surveys.c.title, surveys.c.mode, part.c.completed)
                .select_from(part.join(surveys, surveys.c.id == part.c.survey_id))
                .where(part.c.voice_key == voice_key)
                .order_by(surveys.c.id)
            )
            return [(int(i), t, m, bool(c)) for i, t, m, c in result]

    async def detach(
        self, voice_key: str, rekeys: Sequence[tuple[int, str, str]], new_voice: str, member_id: int
    ) -> None:
        """Erasure: move responses to fresh random keys and unlink participation and names.

        ``rekeys`` holds (survey id, old response key, new response key); the answers stay in
        the totals under the new key, which nothing can tie back to the person.
        """
        part = SurveyParticipation.__table__  # type: ignore[attr-defined]
        responses = SurveyResponse.__table__  # type: ignore[attr-defined]
        answers = SurveyAnswer.__table__  # type: ignore[attr-defined]
        questions = SurveyQuestion.__table__  # type: ignore[attr-defined]
        async with self._db.begin() as conn:
            for survey_id, old, new in rekeys:
                await conn.execute(
                    update(responses)
                    .where(responses.c.survey_id == survey_id, responses.c.response_key == old)
                    .values(response_key=new, member_id=None)
                )
                await conn.execute(
                    update(answers)
                    .where(
                        answers.c.response_key == old,
                        answers.c.question_id.in_(
                            select(questions.c.id).where(questions.c.survey_id == survey_id)
                        ),
                    )
                    .values(response_key=new)
                )
            await conn.execute(
                update(part).where(part.c.voice_key == voice_key).values(voice_key=new_voice)
            )
            await conn.execute(
                update(responses).where(responses.c.member_id == member_id).values(member_id=None)
            )
            await conn.execute(
                delete(SurveyNewsOptIn.__table__).where(  # type: ignore[attr-defined]
                    SurveyNewsOptIn.__table__.c.member_id == member_id  # type: ignore[attr-defined]
                )
            )
