"""Jouw Stem: surveys, their questions, who took part, and the answers, kept apart.

Participation (which voice took part) and answers live in separate tables. Answers are
filed under a response key that only the application can compute (an HMAC with a secret
that is not in the database), carry no timestamps and no sequential ids, and their
tables are ``WITHOUT ROWID`` on SQLite so the file does not keep their insertion order.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class Survey(SQLModel, table=True):
    """A questionnaire; ``status`` is draft, scheduled, open or closed."""

    __tablename__ = "surveys"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    intro: str = Field(default="", max_length=2000)
    mode: str = Field(default="anonymous", max_length=10)
    results: str = Field(default="after_close", max_length=12)
    audience: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="draft", max_length=10, index=True)
    opens_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closes_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: str | None = Field(default=None, max_length=90)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    announced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SurveyQuestion(SQLModel, table=True):
    """One question; ``kind`` is single, multiple, scale, number or text."""

    __tablename__ = "survey_questions"
    __table_args__ = (
        Index("ix_survey_questions_survey_position", "survey_id", "position", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(
        sa_column=Column(Integer, ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False)
    )
    position: int
    kind: str = Field(max_length=10)
    text: str = Field(max_length=500)
    options: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    labels: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    max_choices: int | None = Field(default=None)
    min_value: float | None = Field(default=None)
    max_value: float | None = Field(default=None)
    max_length: int | None = Field(default=None)
    explain: bool = Field(default=False)
    required: bool = Field(default=True)


class SurveyParticipation(SQLModel, table=True):
    """That a voice took part: one row per voice per survey, enforced by the primary key.

    The voice is ``member:<id>`` or ``sponsor:<organization id>``; nothing here points at
    the answers.
    """

    __tablename__ = "survey_participations"

    survey_id: int = Field(
        sa_column=Column(Integer, ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True)
    )
    voice_key: str = Field(primary_key=True, max_length=40)
    completed: bool = Field(default=False)


class SurveyResponse(SQLModel, table=True):
    """One voice's response under its response key, with the segment facts of answer time.

    ``member_id`` is filled only in named surveys (organizers may see who answered what).
    """

    __tablename__ = "survey_responses"
    __table_args__ = {"sqlite_with_rowid": False}

    survey_id: int = Field(
        sa_column=Column(Integer, ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True)
    )
    response_key: str = Field(primary_key=True, max_length=64)
    work_situation: str | None = Field(default=None, max_length=40)
    province: str | None = Field(default=None, max_length=40)
    kind: str | None = Field(default=None, max_length=20)
    member_id: int | None = Field(default=None)


class SurveyAnswer(SQLModel, table=True):
    """One stored answer value.

    ``choice`` is the option number (1..n) or the scale value for choice questions, 0 for
    a number, a free text or the "toelichting" of a choice, and -1 for a skipped question.
    """

    __tablename__ = "survey_answers"
    __table_args__ = (
        Index("ix_survey_answers_question_choice", "question_id", "choice"),
        {"sqlite_with_rowid": False},
    )

    question_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("survey_questions.id", ondelete="CASCADE"), primary_key=True
        )
    )
    response_key: str = Field(primary_key=True, max_length=64)
    choice: int = Field(primary_key=True)
    number: float | None = Field(default=None)
    text: str | None = Field(default=None, max_length=2000)
