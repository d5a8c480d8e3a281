"""Surveys: definitions, participation, answers, tallies, and the batched answer writes.

Every method returns records (``storage.records.surveys``). :meth:`SurveyRepository.write_batch`
is the one write of the answer path: many members' answers in one transaction (group
commit), each kind of statement as one executemany, or on SQLite one statement on a
connection of its own (``survey_batch``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col
from sqlmodel import select as model_select

from storage.db import Database
from storage.models.surveys import (
    Survey,
    SurveyAnswer,
    SurveyParticipation,
    SurveyQuestion,
    SurveyResponse,
)
from storage.records.surveys import (
    NOTE,
    AnswerWrite,
    NewSurvey,
    Participation,
    QuestionKind,
    QuestionRecord,
    ResultsShown,
    Rows,
    Segment,
    StoredAnswers,
    SurveyMode,
    SurveyRecord,
    SurveyStatus,
)
from storage.repositories.survey_batch import SqliteAnswerBatches
from storage.types import stored_id, table_of

log = logging.getLogger(__name__)


def _survey(row: Survey, questions: Sequence[SurveyQuestion]) -> SurveyRecord:
    return SurveyRecord(
        id=stored_id(row.id),
        title=row.title,
        intro=row.intro,
        mode=SurveyMode(row.mode),
        results=ResultsShown(row.results),
        audience={k: list(v) for k, v in (row.audience or {}).items()},
        status=SurveyStatus(row.status),
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        created_by=row.created_by,
        published_at=row.published_at,
        reminded_at=row.reminded_at,
        announced_at=row.announced_at,
        questions=tuple(
            QuestionRecord(
                id=stored_id(q.id),
                position=q.position,
                kind=QuestionKind(q.kind),
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


class SurveyRepository:
    def __init__(self, db: Database, *, direct_sqlite: bool = True) -> None:
        self._db = db
        self._insert = postgresql.insert if not db.is_sqlite else sqlite.insert
        self._direct: SqliteAnswerBatches | None = None
        self._checkpointing: asyncio.Task[None] | None = None
        path = db.url.database
        if direct_sqlite and db.is_sqlite and path and path != ":memory:":
            self._direct = SqliteAnswerBatches(path)

    def _maybe_checkpoint(self, direct: SqliteAnswerBatches) -> None:
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
                        survey_id=stored_id(survey.id),
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
            return stored_id(survey.id)

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

    async def surveys(self, statuses: Sequence[str] | None = None) -> list[SurveyRecord]:
        """Surveys without their questions; a row that cannot be read is skipped and logged,
        so one broken survey never takes the list down for everyone."""
        query = model_select(Survey).order_by(col(Survey.id))
        numbers = model_select(col(Survey.id)).order_by(col(Survey.id))
        if statuses:
            query = query.where(col(Survey.status).in_(list(statuses)))
            numbers = numbers.where(col(Survey.status).in_(list(statuses)))
        try:
            async with self._db.session() as session:
                return [_survey(row, ()) for row in (await session.exec(query)).all()]
        except Exception:
            log.exception("a survey cannot be read; listing them one by one")
        async with self._db.session() as session:
            ids = [survey_id for survey_id in (await session.exec(numbers)).all() if survey_id]
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
            result = await session.exec(
                delete(Survey).where(
                    col(Survey.id) == survey_id, col(Survey.status).in_(list(from_statuses))
                )
            )
            return bool(result.rowcount == 1)

    async def update(self, survey_id: int, **values: Any) -> None:
        async with self._db.transaction() as session:
            await session.exec(update(Survey).where(col(Survey.id) == survey_id).values(**values))

    async def transition(self, survey_id: int, from_statuses: Sequence[str], **values: Any) -> bool:
        """Change a survey only if it is still in one of ``from_statuses`` (races lose)."""
        async with self._db.transaction() as session:
            result = await session.exec(
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
        :class:`SqliteAnswerBatches`). Elsewhere, driver-level executemany, one per kind of
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
            table = table_of(SurveyParticipation)
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
            table = table_of(SurveyParticipation)
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
            table = table_of(SurveyAnswer)
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
            table = table_of(SurveyParticipation)
            result = await conn.execute(
                select(table.c.voice_key, table.c.completed).where(table.c.survey_id == survey_id)
            )
            return {voice: bool(done) for voice, done in result}

    # -- results -----------------------------------------------------------------------------

    async def tally(self, question_id: int) -> dict[int, int]:
        """Count per choice of one question (covering index on question and choice)."""
        table = table_of(SurveyAnswer)
        async with self._db.engine.connect() as conn:
            result = await conn.execute(
                select(table.c.choice, func.count())
                .where(table.c.question_id == question_id, table.c.choice > NOTE)
                .group_by(table.c.choice)
            )
            return {int(choice): int(count) for choice, count in result}

    async def answered(self, question_id: int) -> int:
        """How many responses answered a question (skips not counted)."""
        table = table_of(SurveyAnswer)
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
        answers = table_of(SurveyAnswer)
        responses = table_of(SurveyResponse)
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
        table = table_of(SurveyAnswer)
        async with self._db.engine.connect() as conn:
            result = await conn.execute(
                select(table.c.number, table.c.text).where(
                    table.c.question_id == question_id, table.c.choice == NOTE
                )
            )
            return [(number, text) for number, text in result]

    async def response_count(self, survey_id: int) -> int:
        table = table_of(SurveyResponse)
        async with self._db.engine.connect() as conn:
            result = await conn.execute(
                select(func.count()).select_from(table).where(table.c.survey_id == survey_id)
            )
            return int(result.scalar_one())

    async def responses(self, survey_id: int) -> list[tuple[str, Segment, dict[int, Rows]]]:
        """Every response with its segment and answers, ordered by key (no time order)."""
        responses = table_of(SurveyResponse)
        answers = table_of(SurveyAnswer)
        questions = table_of(SurveyQuestion)
        found: dict[str, tuple[Segment, dict[int, Rows]]] = {}
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

    # -- privacy ----------------------------------------------------------------------------

    async def participations_of(self, voice_key: str) -> list[Participation]:
        """(survey id, title, mode, completed) of every survey a voice took part in."""
        part = table_of(SurveyParticipation)
        surveys = table_of(Survey)
        async with self._db.engine.connect() as conn:
            result = await conn.execute(
                select(surveys.c.id, surveys.c.title, surveys.c.mode, part.c.completed)
                .select_from(part.join(surveys, surveys.c.id == part.c.survey_id))
                .where(part.c.voice_key == voice_key)
                .order_by(surveys.c.id)
            )
            return [Participation(int(i), t, SurveyMode(m), bool(c)) for i, t, m, c in result]

    async def detach(
        self, voice_key: str, rekeys: Sequence[tuple[int, str, str]], new_voice: str, member_id: int
    ) -> None:
        """Erasure: move responses to fresh random keys and unlink participation and names.

        ``rekeys`` holds (survey id, old response key, new response key); the answers stay in
        the totals under the new key, which nothing can tie back to the person.
        """
        part = table_of(SurveyParticipation)
        responses = table_of(SurveyResponse)
        answers = table_of(SurveyAnswer)
        questions = table_of(SurveyQuestion)
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
