"""Jouw Stem rules: creating, opening, closing, reminding, who sees results, privacy.

Takes ids and plain values, returns plain dataclasses; the cog turns them into chat.
Opening and closing are planned on the clock (the scheduler), but the database stays the
source of truth: an answer after ``closes_at`` is refused even if the close job is late.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.core.clock import when
from bot.core.errors import UserError
from bot.core.i18n import _
from cogs.surveys.answering import Answering, MemberFacts, MemberVoterFacts, SurveyCache
from cogs.surveys.definition import DefinitionError, parse_definition, quick_poll
from cogs.surveys.export import responses_csv, summary_json
from cogs.surveys.results import SurveyResults, compute
from storage.records.surveys import NewSurvey, ResultsShown, SurveyMode, SurveyRecord, SurveyStatus
from storage.repositories.surveys import SurveyRepository
from storage.types import utcnow

log = logging.getLogger(__name__)

JOB_OPEN = "surveys.open"
JOB_CLOSE = "surveys.close"
JOB_REMIND = "surveys.remind"
RENAMED_JOBS = {"survey.open": JOB_OPEN, "survey.close": JOB_CLOSE, "survey.remind": JOB_REMIND}
"""Kinds that jobs planned before the module got its name may still carry."""


class Clock(Protocol):
    """The part of the core's Planner that surveys use."""

    async def plan(
        self, job_id: str, when: datetime, kind: str, payload: dict[str, Any]
    ) -> None: ...

    async def cancel(self, job_id: str) -> bool: ...


_ID_PREFIX = {new: old for old, new in RENAMED_JOBS.items()}


def job_id(kind: str, survey_id: int) -> str:
    """The planned job's id: ``survey.open:<id>``. Ids are keys of jobs already stored in
    databases, so they keep the form they had before the kinds were renamed."""
    return f"{_ID_PREFIX[kind]}:{survey_id}"


@dataclass(frozen=True)
class Opened:
    survey: SurveyRecord
    now: bool
    """True when it opened right away; False when the opening is planned."""


class SurveyService:
    def __init__(
        self,
        repository: SurveyRepository,
        cache: SurveyCache,
        answering: Answering,
        clock: Clock,
        members: MemberFacts,
        *,
        require_verification: bool,
        reminder_before: timedelta,
        quick_poll_duration: timedelta,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self._repository = repository
        self._cache = cache
        self.answering = answering
        self._clock = clock
        self._members = members
        self.require_verification = require_verification
        self._reminder_before = reminder_before
        self._quick_poll_duration = quick_poll_duration
        self._now = now

    # -- creating --------------------------------------------------------------------------

    async def create(self, new: NewSurvey) -> SurveyRecord:
        survey_id = await self._repository.create(new)
        log.info("survey %s created by %s", survey_id, new.created_by)
        return await self.get(survey_id)

    async def import_file(self, source: bytes | str, created_by: str | None) -> SurveyRecord:
        """A survey from YAML; raises DefinitionError (line-level) and creates nothing then."""
        new = parse_definition(source, created_by=created_by)
        if new.closes_at is not None and new.closes_at <= self._now():
            raise DefinitionError(["line 1: 'closes' is in the past"])
        return await self.create(new)

    async def quick(self, text: str, created_by: str | None) -> SurveyRecord:
        """``Vraag? | a | b``: created and opened at once."""
        new = quick_poll(text, self._now() + self._quick_poll_duration, created_by)
        survey = await self.create(new)
        return (await self.open(survey.id)).survey

    # -- reading -------------------------------------------------------------------------------

    async def get(self, survey_id: int) -> SurveyRecord:
        survey = await self._cache.get(survey_id)
        if survey is None:
            raise UserError(_("There is no survey with number {id}.").format(id=survey_id))
        return survey

    async def all(self, *, archived: bool = True) -> list[SurveyRecord]:
        if archived:
            return await self._repository.surveys()
        return await self._repository.surveys(
            [status for status in SurveyStatus if status is not SurveyStatus.ARCHIVED]
        )

    def is_open(self, survey: SurveyRecord) -> bool:
        return survey.status == SurveyStatus.OPEN and (
            survey.closes_at is None or survey.closes_at > self._now()
        )

    async def open_for(self, member_id: int) -> list[tuple[SurveyRecord, bool]]:
        """Open surveys this member may answer, with whether they already completed each."""
        found: list[tuple[SurveyRecord, bool]] = []
        for listed in await self._repository.surveys((SurveyStatus.OPEN,)):
            try:
                survey = await self.get(listed.id)
                if not self.is_open(survey):
                    continue
                try:
                    await self.answering.eligible_voter(survey, member_id)
                except UserError:
                    continue
                progress = await self.answering.progress(survey.id, member_id)
            except Exception:
                # One broken survey must not take the list down for every member.
                log.exception("survey %s left out of a member's list", listed.id)
                continue
            found.append((survey, bool(progress and progress.completed)))
        return found

    def results_visible(self, survey: SurveyRecord, *, organizer: bool) -> bool:
        if organizer:
            return True
        if survey.status.ended or (
            survey.closes_at is not None and survey.closes_at <= self._now()
        ):
            return True
        return survey.results == ResultsShown.LIVE and survey.status == SurveyStatus.OPEN

    async def visible_results(self, survey_id: int, *, organizer: bool) -> SurveyResults:
        """The results, if this caller may see them now (else the reason, as UserError)."""
        survey = await self.get(survey_id)
        if not self.results_visible(survey, organizer=organizer):
            raise UserError(
                _("The results of this survey are shown after it closes ({time}).").format(
                    time=when(survey.closes_at)
                )
            )
        return await compute(self._repository, survey)

    async def result_files(self, results: SurveyResults) -> tuple[bytes, bytes]:
        """The organizers' CSV of every response and the JSON summary."""
        return await responses_csv(self._repository, results.survey), summary_json(results)

    # -- opening and closing -------------------------------------------------------------

    async def open(self, survey_id: int) -> Opened:
        """Open now, or plan the opening when the survey has a future ``opens`` time."""
        survey = await self.get(survey_id)
        now = self._now()
        if survey.status == SurveyStatus.OPEN:
            raise UserError(_("Survey {id} is already open.").format(id=survey_id))
        if survey.status.ended:
            raise UserError(_("Survey {id} is closed and cannot open again.").format(id=survey_id))
        closes = survey.closes_at or now + self._quick_poll_duration
        if closes <= now:
            raise UserError(
                _(
                    "The closing time of survey {id} has passed; import it again with a new one."
                ).format(id=survey_id)
            )
        if survey.opens_at is not None and survey.opens_at > now:
            await self._repository.transition(
                survey_id,
                (SurveyStatus.DRAFT, SurveyStatus.SCHEDULED),
                status=SurveyStatus.SCHEDULED,
                closes_at=closes,
            )
            await self._clock.plan(
                job_id(JOB_OPEN, survey_id), survey.opens_at, JOB_OPEN, {"survey_id": survey_id}
            )
            self._cache.invalidate(survey_id)
            return Opened(await self.get(survey_id), now=False)
        await self._activate(survey_id, closes)
        return Opened(await self.get(survey_id), now=True)

    async def _activate(self, survey_id: int, closes: datetime) -> bool:
        now = self._now()
        changed = await self._repository.transition(
            survey_id,
            (SurveyStatus.DRAFT, SurveyStatus.SCHEDULED),
            status=SurveyStatus.OPEN,
            opens_at=now,
            closes_at=closes,
        )
        self._cache.invalidate(survey_id)
        if not changed:
            return False
        await self._clock.cancel(job_id(JOB_OPEN, survey_id))
        await self._clock.plan(
            job_id(JOB_CLOSE, survey_id), closes, JOB_CLOSE, {"survey_id": survey_id}
        )
        remind_at = closes - self._reminder_before
        if remind_at > now:
            await self._clock.plan(
                job_id(JOB_REMIND, survey_id), remind_at, JOB_REMIND, {"survey_id": survey_id}
            )
        log.info("survey %s opened, closes %s", survey_id, closes.isoformat())
        return True

    async def opened_by_clock(self, survey_id: int) -> bool:
        """The planned opening came due; True when the survey opened now."""
        survey = await self._cache.get(survey_id)
        if survey is None or survey.status != SurveyStatus.SCHEDULED:
            return False
        closes = survey.closes_at or self._now() + self._quick_poll_duration
        if closes <= self._now():
            await self._repository.transition(
                survey_id, (SurveyStatus.SCHEDULED,), status=SurveyStatus.CLOSED
            )
            self._cache.invalidate(survey_id)
            return False
        return await self._activate(survey_id, closes)

    async def close(self, survey_id: int) -> SurveyRecord:
        """Close now: no answer is taken from this moment on."""
        survey = await self.get(survey_id)
        if survey.status.ended:
            raise UserError(_("Survey {id} is already closed.").format(id=survey_id))
        now = self._now()
        closes = now if survey.closes_at is None or survey.closes_at > now else survey.closes_at
        await self._repository.transition(
            survey_id,
            (SurveyStatus.DRAFT, SurveyStatus.SCHEDULED, SurveyStatus.OPEN),
            status=SurveyStatus.CLOSED,
            closes_at=closes,
        )
        self._cache.invalidate(survey_id)
        for kind in (JOB_OPEN, JOB_CLOSE, JOB_REMIND):
            await self._clock.cancel(job_id(kind, survey_id))
        log.info("survey %s closed", survey_id)
        return await self.get(survey_id)

    async def closed_by_clock(self, survey_id: int) -> bool:
        survey = await self._cache.get(survey_id)
        if survey is None or survey.status != SurveyStatus.OPEN:
            return False
        if survey.closes_at is not None and survey.closes_at > self._now():
            # Closing time was moved later: plan again instead of closing early.
            await self._clock.plan(
                job_id(JOB_CLOSE, survey_id), survey.closes_at, JOB_CLOSE, {"survey_id": survey_id}
            )
            return False
        await self.close(survey_id)
        return True

    async def delete_draft(self, survey_id: int) -> SurveyRecord:
        """Remove a survey that never opened (a draft, or one planned to open later)."""
        survey = await self.get(survey_id)
        if survey.status not in (SurveyStatus.DRAFT, SurveyStatus.SCHEDULED):
            raise UserError(
                _(
                    "Survey {id} has been open, so its answers are kept; close it and archive "
                    "it with /peiling_archiveer {id} instead."
                ).format(id=survey_id)
            )
        deleted = await self._repository.delete(
            survey_id, (SurveyStatus.DRAFT, SurveyStatus.SCHEDULED)
        )
        self._cache.invalidate(survey_id)
        if not deleted:
            raise UserError(
                _("Survey {id} opened just now; it was not deleted.").format(id=survey_id)
            )
        await self._clock.cancel(job_id(JOB_OPEN, survey_id))
        log.info("draft survey %s deleted", survey_id)
        return survey

    async def archive(self, survey_id: int) -> SurveyRecord:
        """Put a closed survey away: off the organizers' list, results still available."""
        survey = await self.get(survey_id)
        if survey.status == SurveyStatus.ARCHIVED:
            raise UserError(_("Survey {id} is already archived.").format(id=survey_id))
        if survey.status != SurveyStatus.CLOSED:
            raise UserError(
                _(
                    "Only a closed survey can be archived; close it first with /peiling_sluit {id}."
                ).format(id=survey_id)
            )
        await self._repository.transition(
            survey_id, (SurveyStatus.CLOSED,), status=SurveyStatus.ARCHIVED
        )
        self._cache.invalidate(survey_id)
        return await self.get(survey_id)

    # -- reaching members -------------------------------------------------------------------

    async def _audience(self, survey: SurveyRecord) -> Sequence[MemberVoterFacts]:
        return await self._members.audience(
            work_situations=frozenset(survey.audience.get("work_situation", ())),
            provinces=frozenset(survey.audience.get("province", ())),
            kinds=frozenset(survey.audience.get("kind", ())),
            verified_only=self.require_verification,
        )

    async def reminder_targets(self, survey_id: int) -> list[int]:
        """Audience members whose voice has not completed the survey; once per survey."""
        survey = await self._cache.get(survey_id)
        if survey is None or not self.is_open(survey) or survey.reminded_at is not None:
            return []
        if not await self._repository.transition(
            survey_id, (SurveyStatus.OPEN,), reminded_at=self._now()
        ):
            return []
        self._cache.invalidate(survey_id)
        voices = await self._repository.voices(survey_id)
        members = await self._audience(survey)
        return [m.member_id for m in members if not voices.get(m.voice_key, False)]

    async def announcement_targets(self, survey_id: int) -> list[int]:
        """The survey's audience, once per survey (the outbox leaves out who did not choose
        survey news)."""
        survey = await self._cache.get(survey_id)
        if survey is None or survey.announced_at is not None or not self.is_open(survey):
            return []
        if not await self._repository.transition(
            survey_id, (SurveyStatus.OPEN,), announced_at=self._now()
        ):
            return []
        self._cache.invalidate(survey_id)
        return [m.member_id for m in await self._audience(survey)]

    async def mark_published(self, survey_id: int) -> SurveyRecord:
        survey = await self.get(survey_id)
        if not survey.status.ended:
            raise UserError(
                _("Results are published once survey {id} is closed (/peiling_sluit {id}).").format(
                    id=survey_id
                )
            )
        await self._repository.update(survey_id, published_at=self._now())
        self._cache.invalidate(survey_id)
        return await self.get(survey_id)

    # -- AVG/GDPR -------------------------------------------------------------------------

    async def export(self, member_id: int) -> dict[str, Any]:
        """What we hold: participation, named answers; anonymous answers are not linked."""
        voice = self._members.own_voice(member_id)
        taken = []
        for part in await self._repository.participations_of(voice):
            entry: dict[str, Any] = {
                "survey": part.survey_id,
                "title": part.title,
                "mode": part.mode,
                "completed": part.completed,
            }
            if part.mode == SurveyMode.NAMED:
                survey = await self.get(part.survey_id)
                stored = await self._repository.answers_of(
                    [q.id for q in survey.questions],
                    self.answering.keys.key(part.survey_id, voice),
                )
                entry["answers"] = {q.text: stored.rows.get(q.id, []) for q in survey.questions}
            else:
                entry["answers"] = (
                    "anonymous survey: your answers are stored without any link to you"
                )
            taken.append(entry)
        return {"surveys_taken_part_in": taken}

    async def erase(self, member_id: int) -> None:
        """Keep the answers in the totals, remove every link to the person.

        Responses move to fresh random keys (which even the bot cannot derive again), the
        participation rows lose the member id, named surveys lose the name.
        """
        voice = self._members.own_voice(member_id)
        rekeys = [
            (part.survey_id, self.answering.keys.key(part.survey_id, voice), secrets.token_hex(16))
            for part in await self._repository.participations_of(voice)
        ]
        await self._repository.detach(voice, rekeys, f"erased:{secrets.token_hex(8)}", member_id)
        self.answering.forget_voice(None, voice)
        self.answering.forget_member(member_id)
