"""The SQLite batch write of the survey answer path, on a connection of its own.

Why a module of its own: it is the one place that talks to SQLite below SQLAlchemy, with
its own connection, thread and checkpoints, for the hot path of Jouw Stem; everything
else in storage goes through the engine.
"""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor

from storage.records.surveys import NOTE


class SqliteAnswerBatches:
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
