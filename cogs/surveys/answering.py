"""The answer path: who may answer, what an answer looks like, and saving it durably.

One person one vote: every answer is filed under the member's *voice* (the member, or
their sponsor organization as one), and the response key is derived from survey and
voice, so linked accounts and all representatives of a sponsor land on the same
response. Presses of one voice take turns (``Answering._wait_turn``/``_end_turn``); the database's
primary keys enforce the same across processes. Answers go through the group-commit writer.

This is the hot path (tens of thousands of answers a second on one core), so a press that
finds everything in memory does its checks without suspending, allocates little (fewer
objects also means fewer garbage collections) and awaits only its batch's commit.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import secrets
from collections import deque
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from bot.core.bounds import parse_int
from bot.core.cache import BoundedCache
from bot.core.errors import InvalidAnswer, UserError
from bot.core.i18n import _
from cogs.surveys.writer import AnswerWriter, BatchFuture
from storage.records.surveys import (
    NOTE,
    SKIPPED,
    AnswerWrite,
    QuestionKind,
    QuestionRecord,
    Segment,
    SurveyMode,
    SurveyRecord,
    SurveyStatus,
)
from storage.repositories.surveys import SurveyRepository
from storage.types import utcnow

log = logging.getLogger(__name__)

Rows = tuple[tuple[int, float | None, str | None], ...]
"""A question's stored rows; kept as tuples in memory (immutable, and a tuple of plain
values is not tracked by the garbage collector, which matters with 10,000s of voices)."""
VOTER_TTL = 300.0
"""How long a member's voice and segment are reused; a refusal always looks again."""
MAX_STATES = 200_000


@dataclass(frozen=True, slots=True)
class Voter:
    member_id: int
    voice_key: str
    verified: bool
    kind: str | None
    work_situation: str | None
    province: str | None


class MemberVoterFacts(Protocol):
    """A member as surveys count them (the members module decides the voice)."""

    @property
    def member_id(self) -> int: ...
    @property
    def voice_key(self) -> str: ...
    @property
    def verified(self) -> bool: ...
    @property
    def kind(self) -> str: ...
    @property
    def work_situation(self) -> str | None: ...
    @property
    def province(self) -> str | None: ...


class MemberFacts(Protocol):
    """What surveys need from the members module; ``bot/app.py`` hands in its service
    (``cogs.members.service.MemberService``). Surveys never read the members' tables."""

    async def voter_facts(self, member_id: int) -> MemberVoterFacts: ...

    async def audience(
        self,
        *,
        work_situations: frozenset[str] = frozenset(),
        provinces: frozenset[str] = frozenset(),
        kinds: frozenset[str] = frozenset(),
        verified_only: bool = False,
    ) -> Sequence[MemberVoterFacts]: ...

    def on_voice_change(self, listener: Callable[[int | None], None]) -> None: ...

    def own_voice(self, member_id: int) -> str:
        """The member's personal voice (not a sponsor's), for their export and erasure."""
        ...


class Voters:
    """Looks up a member's voice and segment facts, cached for a few minutes per member."""

    def __init__(self, members: MemberFacts, *, ttl: float = VOTER_TTL) -> None:
        self._members = members
        self._cache: BoundedCache[int, Voter] = BoundedCache(MAX_STATES, ttl=ttl)
        members.on_voice_change(self.forget)

    def cached(self, member_id: int) -> Voter | None:
        """The voter if known and fresh, without a lookup (the answer path's fast case)."""
        return self._cache.get(member_id)

    async def voter(self, member_id: int, *, fresh: bool = False) -> Voter | None:
        """The voter, looked up when not cached (or when ``fresh``); None if not a member."""
        known = None if fresh else self.cached(member_id)
        if known is not None:
            return known
        try:
            facts = await self._members.voter_facts(member_id)
        except UserError:
            self._cache.pop(member_id)
            return None
        voter = Voter(
            member_id,
            facts.voice_key,
            facts.verified,
            facts.kind,
            facts.work_situation,
            facts.province,
        )
        self._cache.put(member_id, voter)
        return voter

    def remember(self, voter: Voter) -> None:
        """Cache a voter looked up elsewhere (the benchmark resolves first contact in
        worker processes through the same member service)."""
        self._cache.put(voter.member_id, voter)

    def forget(self, member_id: int | None) -> None:
        """Drop a member's voice (None: every voice)."""
        if member_id is None:
            self._cache.clear()
        else:
            self._cache.pop(member_id)


class ResponseKeys:
    """Response keys: HMAC of survey and voice with a secret kept OUT of the database.

    Whoever has only the database file cannot compute which response belongs to which
    voice; the running bot can (to resume a member's survey and to erase on request).
    """

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the survey secret must be at least 16 bytes")
        self._secret = secret

    @classmethod
    def from_settings(cls, secret: str | None, data_dir: Path) -> ResponseKeys:
        """``SURVEY_SECRET`` if set, else a random key file created once in DATA_DIR."""
        if secret:
            return cls(secret.encode())
        path = Path(data_dir) / "survey-secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
            log.info("created the survey secret %s; back it up apart from the database", path)
        return cls(path.read_text().strip().encode())

    def key(self, survey_id: int, voice_key: str) -> str:
        message = f"{survey_id}|{voice_key}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:32]


class SurveyCache:
    """Survey definitions in memory: the answer path must not read them per answer.

    Bounded (the most recently used surveys stay); every change to a survey invalidates it.
    """

    SIZE = 1_000

    def __init__(self, repository: SurveyRepository) -> None:
        self._repository = repository
        self._surveys: BoundedCache[int, tuple[SurveyRecord, dict[int, QuestionRecord]]] = (
            BoundedCache(self.SIZE)
        )

    async def get(self, survey_id: int) -> SurveyRecord | None:
        found = self._surveys.get(survey_id)
        if found is not None:
            return found[0]
        survey = await self._repository.get(survey_id)
        if survey is not None:
            self._surveys.put(survey_id, (survey, {q.id: q for q in survey.questions}))
        return survey

    def cached(self, survey_id: int) -> SurveyRecord | None:
        found = self._surveys.get(survey_id)
        return None if found is None else found[0]

    def questions(self, survey: SurveyRecord) -> dict[int, QuestionRecord]:
        """A survey's questions by id (kept beside the cached survey)."""
        found = self._surveys.get(survey.id)
        if found is None or found[0] is not survey:
            return {q.id: q for q in survey.questions}
        return found[1]

    def invalidate(self, survey_id: int) -> None:
        self._surveys.pop(survey_id)


@dataclass(slots=True)
class VoiceState:
    response_key: str
    claimed: bool
    completed: bool
    answered: dict[int, Rows] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a voice stands in a survey after a call."""

    survey: SurveyRecord
    answered: dict[int, Rows]
    completed: bool
    saved: bool = True

    @property
    def next_question(self) -> QuestionRecord | None:
        """The first question not answered or skipped yet (where a resume continues)."""
        for question in self.survey.questions:
            if question.id not in self.answered:
                return question
        return None

    def after(self, question: QuestionRecord) -> QuestionRecord | None:
        for candidate in self.survey.questions:
            if candidate.position == question.position + 1:
                return candidate
        return None

    def following(self, question: QuestionRecord) -> QuestionRecord | None:
        """What to show after ``question``: the next one, or, after the last, the first
        still open (None when everything is answered)."""
        after = self.after(question)
        if after is None and not self.completed:
            return self.next_question
        return after

    def before(self, question: QuestionRecord) -> QuestionRecord | None:
        for candidate in self.survey.questions:
            if candidate.position == question.position - 1:
                return candidate
        return None


def in_audience(audience: dict[str, list[str]], voter: Voter) -> bool:
    if not audience:
        return True
    for name, value in (
        ("work_situation", voter.work_situation),
        ("province", voter.province),
        ("kind", voter.kind),
    ):
        allowed = audience.get(name)
        if allowed and value not in allowed:
            return False
    return True


def parse_number(text: str) -> float | None:
    cleaned = text.strip().replace(" ", "").replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def rows_for(question: QuestionRecord, value: Any) -> list[tuple[int, float | None, str | None]]:
    """Check an answer against its question and turn it into stored rows."""
    if question.kind in (QuestionKind.SINGLE, QuestionKind.SCALE):
        top = 5 if question.kind == QuestionKind.SCALE else len(question.options)
        choice = value if isinstance(value, int) else None
        if isinstance(value, str):
            choice = parse_int(value, low=1, high=top)
        if choice is None or isinstance(choice, bool) or not 1 <= choice <= top:
            raise InvalidAnswer(_("Please choose one of the buttons."))
        return [(choice, None, None)]
    if question.kind == QuestionKind.MULTIPLE:
        if isinstance(value, int | str):
            value = [value]
        try:
            choices = sorted({int(v) for v in value})
        except (TypeError, ValueError):
            raise InvalidAnswer(_("Please choose with the buttons.")) from None
        if not choices or any(not 1 <= c <= len(question.options) for c in choices):
            raise InvalidAnswer(_("Please choose with the buttons."))
        limit = question.max_choices or len(question.options)
        if len(choices) > limit:
            raise InvalidAnswer(_("You can choose at most {count} options.").format(count=limit))
        return [(c, None, None) for c in choices]
    if question.kind == QuestionKind.NUMBER:
        number = value if isinstance(value, int | float) else parse_number(str(value))
        if number is None or isinstance(number, bool):
            raise InvalidAnswer(_("Please type a number, for example 12 or 7.5."))
        low, high = question.min_value, question.max_value
        if (low is not None and number < low) or (high is not None and number > high):
            raise InvalidAnswer(
                _("Please type a number from {low} to {high}.").format(
                    low=_fmt(low) if low is not None else "…",
                    high=_fmt(high) if high is not None else "…",
                )
            )
        return [(NOTE, float(number), None)]
    text = " ".join(str(value).split())
    limit = question.max_length or 500
    if not text:
        raise InvalidAnswer(_("Please type your answer."))
    if len(text) > limit:
        raise InvalidAnswer(_("Please keep it to {count} characters.").format(count=limit))
    return [(NOTE, None, text)]


def _fmt(number: float) -> str:
    return str(int(number)) if number == int(number) else str(number)


class Answering:
    def __init__(
        self,
        cache: SurveyCache,
        repository: SurveyRepository,
        writer: AnswerWriter,
        keys: ResponseKeys,
        voters: Voters,
        *,
        require_verification: bool,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self._cache = cache
        self._repository = repository
        self._writer = writer
        self._keys = keys
        self._voters = voters
        self._require_verification = require_verification
        self._now = now
        self._states: BoundedCache[tuple[int, str], VoiceState] = BoundedCache(MAX_STATES)
        self._pending: dict[tuple[int, str], asyncio.Future[bool | None]] = {}
        self._loader: asyncio.Task[None] | None = None
        # Voices with a press in progress, each with the presses waiting for their turn.
        self._busy: dict[tuple[int, str], deque[asyncio.Future[None]] | None] = {}

    @property
    def keys(self) -> ResponseKeys:
        return self._keys

    @property
    def voters(self) -> Voters:
        return self._voters

    # -- checks ------------------------------------------------------------------------

    async def open_survey(self, survey_id: int) -> SurveyRecord:
        survey = await self._cache.get(survey_id)
        if survey is None:
            raise UserError(_("There is no survey with number {id}.").format(id=survey_id))
        now = self._now()
        if survey.status.ended or (
            survey.closes_at is not None and survey.closes_at <= now
        ):
            raise UserError(
                _("Survey {id} is closed; it takes no more answers.").format(id=survey_id)
            )
        if survey.status != SurveyStatus.OPEN:
            raise UserError(_("Survey {id} is not open yet.").format(id=survey_id))
        return survey

    async def _still_open(self, survey_id: int) -> None:
        survey = self._cache.cached(survey_id) or await self._cache.get(survey_id)
        if (
            survey is None
            or survey.status != SurveyStatus.OPEN
            or (survey.closes_at is not None and survey.closes_at <= self._now())
        ):
            raise UserError(
                _("Survey {id} is closed; it takes no more answers.").format(id=survey_id)
            )

    async def eligible_voter(self, survey: SurveyRecord, member_id: int | None) -> Voter:
        if member_id is None:
            raise UserError(_("Jouw Stem is for registered members. Use /registreer to sign up."))
        voter = await self._voters.voter(member_id)
        if voter is not None and not self._may_answer(survey, voter):
            # Refuse on fresh facts only: they may have verified or moved a minute ago.
            voter = await self._voters.voter(member_id, fresh=True)
        if voter is None:
            raise UserError(_("Jouw Stem is for registered members. Use /registreer to sign up."))
        if self._require_verification and not voter.verified:
            raise UserError(
                _("Please confirm your e-mail address first (/registreer); then your voice counts.")
            )
        if not in_audience(survey.audience, voter):
            raise UserError(_("This survey is for a specific group of members, not for you."))
        return voter

    def _may_answer(self, survey: SurveyRecord, voter: Voter) -> bool:
        return (voter.verified or not self._require_verification) and in_audience(
            survey.audience, voter
        )

    async def _state(self, survey_id: int, voter: Voter, questions: list[int]) -> VoiceState:
        key = (survey_id, voter.voice_key)
        state = self._states.get(key)
        if state is None:
            participation = await self._participation(survey_id, voter.voice_key)
            response_key = self._keys.key(survey_id, voter.voice_key)
            if participation is None:
                state = VoiceState(response_key, claimed=False, completed=False)
            else:
                stored = await self._repository.answers_of(questions, response_key)
                answered = {q: tuple(rows) for q, rows in stored.rows.items()}
                state = VoiceState(response_key, True, participation, answered)
            self._states.put(key, state)
        return state

    async def _participation(self, survey_id: int, voice_key: str) -> bool | None:
        """Whether a voice took part, looked up together with everyone else's in this tick.

        When thousands of members open a survey at once, one query per few hundred voices
        replaces a query per member.
        """
        key = (survey_id, voice_key)
        future = self._pending.get(key)
        if future is None:
            loop = asyncio.get_running_loop()
            future = self._pending[key] = loop.create_future()
            if self._loader is None:
                self._loader = loop.create_task(self._load_participations())
        return await future

    async def _load_participations(self) -> None:
        await asyncio.sleep(0)  # let the other callers of this tick join in
        pending, self._pending, self._loader = self._pending, {}, None
        by_survey: dict[int, list[str]] = {}
        for survey_id, voice_key in pending:
            by_survey.setdefault(survey_id, []).append(voice_key)
        for survey_id, voices in by_survey.items():
            for start in range(0, len(voices), 500):
                chunk = voices[start : start + 500]
                try:
                    found = await self._repository.participations(survey_id, chunk)
                except Exception as error:
                    for voice_key in chunk:
                        pending[(survey_id, voice_key)].set_exception(error)
                    continue
                for voice_key in chunk:
                    pending[(survey_id, voice_key)].set_result(found.get(voice_key))

    # -- presses of one voice take turns ------------------------------------------------
    #
    # A lock per voice, but nothing is allocated unless a voice really presses twice at
    # once: ``_busy`` holds only the voices with a press in progress. Take a turn with
    # ``if key in self._busy: await self._wait_turn(key)`` else ``self._busy[key] = None``,
    # and always end it with ``self._end_turn(key)``.

    async def _wait_turn(self, key: tuple[int, str]) -> None:
        waiters = self._busy.get(key)
        if waiters is None:
            waiters = self._busy[key] = deque()
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiters.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._end_turn(key)  # the turn was handed over already: pass it on
            else:
                try:
                    waiters.remove(turn)
                except ValueError:
                    pass
            raise

    def _end_turn(self, key: tuple[int, str]) -> None:
        waiters = self._busy.get(key)
        while waiters:
            turn = waiters.popleft()
            if not turn.done():
                turn.set_result(None)  # hand the turn over; the voice stays busy
                return
        self._busy.pop(key, None)

    # -- the calls ------------------------------------------------------------------------

    async def start(self, survey_id: int, member_id: int | None) -> Progress:
        """Check the member may answer and return where they are (resume point)."""
        survey = await self.open_survey(survey_id)
        voter = await self.eligible_voter(survey, member_id)
        key = (survey_id, voter.voice_key)
        if key in self._busy:
            await self._wait_turn(key)
        else:
            self._busy[key] = None
        try:
            state = await self._state(survey_id, voter, [q.id for q in survey.questions])
            return Progress(survey, dict(state.answered), state.completed, saved=False)
        finally:
            self._end_turn(key)

    async def progress(self, survey_id: int, member_id: int) -> Progress | None:
        """Where a member stands, also after close (None when they never took part)."""
        survey = await self._cache.get(survey_id)
        voter = await self._voters.voter(member_id)
        if survey is None or voter is None:
            return None
        state = await self._state(survey_id, voter, [q.id for q in survey.questions])
        if not state.claimed:
            return None
        return Progress(survey, dict(state.answered), state.completed, saved=False)

    def answer(
        self, survey_id: int, member_id: int | None, question_id: int, value: Any
    ) -> Coroutine[Any, Any, Progress]:
        """Save an answer (replacing an earlier answer to the same question); await it."""
        return self._save(survey_id, member_id, question_id, "answer", value)

    def skip(
        self, survey_id: int, member_id: int | None, question_id: int
    ) -> Coroutine[Any, Any, Progress]:
        return self._save(survey_id, member_id, question_id, "skip", None)

    def note(
        self, survey_id: int, member_id: int | None, question_id: int, text: str
    ) -> Coroutine[Any, Any, Progress]:
        """The optional "toelichting" after a choice."""
        return self._save(survey_id, member_id, question_id, "note", text)

    def toggle(
        self, survey_id: int, member_id: int | None, question_id: int, choice: int
    ) -> Coroutine[Any, Any, Progress]:
        """Multiple choice by buttons: each press adds or removes one option, saved at once."""
        return self._save(survey_id, member_id, question_id, "toggle", choice)

    async def _save(
        self, survey_id: int, member_id: int | None, question_id: int, what: str, value: Any
    ) -> Progress:
        # The checks of open_survey() and eligible_voter() inline, from memory when cached.
        survey = self._cache.cached(survey_id)
        if survey is None:
            survey = await self.open_survey(survey_id)
        elif survey.status != SurveyStatus.OPEN or (
            survey.closes_at is not None and survey.closes_at <= self._now()
        ):
            survey = await self.open_survey(survey_id)  # raises the right message
        voter = self._voters.cached(member_id) if member_id is not None else None
        if (
            voter is None
            or (self._require_verification and not voter.verified)
            or (survey.audience and not in_audience(survey.audience, voter))
        ):
            voter = await self.eligible_voter(survey, member_id)
        question = self._cache.questions(survey).get(question_id)
        if question is None:
            raise UserError(_("This question is not part of survey {id}.").format(id=survey_id))
        voice_key = voter.voice_key
        key = (survey_id, voice_key)
        busy = self._busy
        waited = key in busy
        if waited:
            await self._wait_turn(key)
        else:
            busy[key] = None
        try:
            state = self._states.get(key)
            if state is None:
                waited = True
                state = await self._state(survey_id, voter, [q.id for q in survey.questions])
            if state.completed and survey.mode != SurveyMode.NAMED:
                raise UserError(
                    _(
                        "You have already completed this survey. In an anonymous survey the "
                        "answers cannot be changed afterwards."
                    )
                )
            before = state.answered.get(question_id)
            clear = "all" if before else "none"
            if what == "answer":
                rows = rows_for(question, value)
            elif what == "skip":
                if question.required:
                    raise UserError(_("This question cannot be skipped."))
                rows = [(SKIPPED, None, None)]
            elif what == "note":
                if not question.explain or not before or not any(c > NOTE for c, _n, _t in before):
                    raise UserError(_("There is no choice to explain here."))
                text = " ".join(str(value).split())[:500]
                if not text:
                    raise InvalidAnswer(_("Please type your explanation."))
                rows = [r for r in before if r[0] != NOTE] + [(NOTE, None, text)]
                clear = "note"
            else:  # toggle
                if question.kind != QuestionKind.MULTIPLE:
                    raise UserError(_("This button no longer works."))
                chosen = {c for c, _n, _t in before or () if c > NOTE}
                chosen ^= {int(value)}
                if not chosen:
                    rows = []
                else:
                    rows = rows_for(question, sorted(chosen))
                    rows += [r for r in before or () if r[0] == NOTE]
            if before and sorted(rows) == sorted(before):
                return Progress(survey, state.answered, state.completed, saved=False)
            answered = dict(state.answered)
            if rows:
                answered[question_id] = tuple(rows)
            else:
                answered.pop(question_id, None)
            complete = not state.completed and len(answered) == len(survey.questions)
            write = AnswerWrite(
                survey_id,
                voice_key,
                state.response_key,
                question_id,
                [r for r in rows if r[0] == NOTE] if clear == "note" else rows,
                None
                if state.claimed
                else Segment(
                    voter.work_situation,
                    voter.province,
                    voter.kind,
                    voter.member_id if survey.mode == SurveyMode.NAMED else None,
                ),
                clear,
                complete,
            )
            if waited:
                await self._still_open(survey_id)  # closed while we waited for our turn?
            future, index = self._writer.enqueue(write)
            try:
                failures = await future
            except asyncio.CancelledError:
                self._after_commit(state, future, index, answered, complete)
                raise
            if failures is not None and index in failures:
                raise failures[index]
            self._repository.count_saved()
            state.claimed = True
            if complete:
                state.completed = True
            state.answered = answered
            return Progress(survey, answered, state.completed)
        finally:
            self._end_turn(key)

    @staticmethod
    def _after_commit(
        state: VoiceState,
        future: BatchFuture,
        index: int,
        answered: dict[int, Rows],
        complete: bool,
    ) -> None:
        """A caller cancelled while its batch committed: keep the state true to the database."""
        if not future.done():
            return
        failures = future.result()
        if failures is None or index not in failures:
            state.claimed = True
            state.completed = state.completed or complete
            state.answered = answered

    def forget_voice(self, survey_id: int | None, voice_key: str) -> None:
        """Drop cached state (after erasure)."""
        self._states.discard_where(
            lambda key, _state: key[1] == voice_key and (survey_id is None or key[0] == survey_id)
        )

    def forget_member(self, member_id: int) -> None:
        self._voters.forget(member_id)
