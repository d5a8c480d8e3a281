"""Records of the surveys module: definitions, answers on their way in, and what is stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum


class Choice(IntEnum):
    """The special values of a stored answer's ``choice`` (options are numbered from 1)."""

    SKIPPED = -1
    NOTE = 0
    """A number, a free text, or the "toelichting" of a choice."""


SKIPPED = Choice.SKIPPED
NOTE = Choice.NOTE


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


class SurveyMode(StrEnum):
    ANONYMOUS = "anonymous"
    NAMED = "named"
    """Organizers may see who answered what."""


class ResultsShown(StrEnum):
    AFTER_CLOSE = "after_close"
    LIVE = "live"


class QuestionKind(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    SCALE = "scale"
    NUMBER = "number"
    TEXT = "text"

    @property
    def is_choice(self) -> bool:
        return self in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.SCALE)

    @property
    def is_typed(self) -> bool:
        """Answered by typing (a number, a text) rather than with buttons."""
        return self in (QuestionKind.NUMBER, QuestionKind.TEXT)


@dataclass(frozen=True)
class NewQuestion:
    kind: QuestionKind
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
    mode: SurveyMode
    results: ResultsShown
    audience: dict[str, list[str]]
    opens_at: datetime | None
    closes_at: datetime | None
    created_by: str | None
    questions: tuple[NewQuestion, ...]


@dataclass(frozen=True)
class SurveyRecord:
    id: int
    title: str
    intro: str
    mode: SurveyMode
    results: ResultsShown
    audience: dict[str, list[str]]
    status: SurveyStatus
    opens_at: datetime | None
    closes_at: datetime | None
    created_by: str | None
    published_at: datetime | None
    reminded_at: datetime | None
    announced_at: datetime | None
    questions: tuple[QuestionRecord, ...] = ()


@dataclass(frozen=True)
class Segment:
    """The facts of a response that results are broken down by (snapshotted at answer time)."""

    work_situation: str | None
    province: str | None
    kind: str | None
    member_id: int | None = None  # named surveys only


Rows = list[tuple[int, float | None, str | None]]
"""A question's stored answer rows: (choice, number, text)."""


@dataclass(slots=True)
class AnswerWrite:
    """One queued answer: rows for one question of one response, plus what goes with it.

    ``claim`` inserts the participation and response rows (first answer of a voice);
    ``clear`` removes earlier rows of this question first: ``all`` or only the ``note``;
    ``complete`` marks the participation complete. (Not frozen: tens of thousands are
    made a second on the answer path, and slots keep them small.)
    """

    survey_id: int
    voice_key: str
    response_key: str
    question_id: int
    rows: Rows
    claim: Segment | None = None
    clear: str = "none"
    complete: bool = False


@dataclass
class StoredAnswers:
    """What one response holds so far: question id -> rows (choice, number, text)."""

    rows: dict[int, Rows] = field(default_factory=dict)


@dataclass(frozen=True)
class Participation:
    """A survey a voice took part in (for a member's data export and erasure)."""

    survey_id: int
    title: str
    mode: SurveyMode
    completed: bool
