"""Honest statistics: counts, percentages, n, the 95% margin of error, suppressed groups.

Results are quoted to media and politicians, so every figure says on how many answers
it rests, groups under :data:`MIN_GROUP` respondents are never shown (and when exactly
one group is hidden, the next smallest is hidden too, so it cannot be worked out from the
total), and free text is counted but never published.
"""

from __future__ import annotations

import logging
import math
import statistics
from dataclasses import dataclass, field
from enum import StrEnum

from storage.records.surveys import NOTE, QuestionKind, QuestionRecord, SurveyRecord
from storage.repositories.surveys import SurveyRepository
from storage.vocabulary import Province, WorkSituation

log = logging.getLogger(__name__)

MIN_GROUP = 10
Z95 = 1.96
SEGMENTS: dict[str, list[StrEnum]] = {
    "work_situation": list(WorkSituation),
    "province": list(Province),
}
"""What results are broken down by, each in the order its groups are shown."""


def margin(n: int, p: float = 0.5) -> float | None:
    """The 95% margin of error of a proportion in percentage points (simple random sample)."""
    if n <= 0:
        return None
    return 100 * Z95 * math.sqrt(p * (1 - p) / n)


def percent(count: int, n: int) -> float:
    return 100.0 * count / n if n else 0.0


@dataclass(frozen=True)
class OptionResult:
    choice: int
    label: str
    count: int
    percent: float
    margin: float | None


@dataclass(frozen=True)
class GroupResult:
    code: str | None
    n: int
    suppressed: bool
    options: tuple[OptionResult, ...] = ()


@dataclass(frozen=True)
class QuestionResult:
    question: QuestionRecord
    n: int
    margin: float | None
    options: tuple[OptionResult, ...] = ()
    mean: float | None = None
    median: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    notes: int = 0
    breakdowns: dict[str, tuple[GroupResult, ...]] = field(default_factory=dict)

    @property
    def is_choice(self) -> bool:
        return self.question.kind.is_choice


@dataclass(frozen=True)
class SurveyResults:
    survey: SurveyRecord
    respondents: int
    questions: tuple[QuestionResult, ...]


def option_labels(question: QuestionRecord) -> list[tuple[int, str]]:
    if question.kind == QuestionKind.SCALE:
        labels = list(question.labels)
        if len(labels) == 5:
            return [(v, f"{v} {labels[v - 1]}") for v in range(1, 6)]
        low, high = ([*labels, "", ""])[:2]
        return [
            (v, f"{v} {low}" if v == 1 else f"{v} {high}" if v == 5 else str(v))
            for v in range(1, 6)
        ]
    return list(enumerate(question.options, start=1))


def _options(question: QuestionRecord, counts: dict[int, int], n: int) -> tuple[OptionResult, ...]:
    return tuple(
        OptionResult(
            choice,
            label,
            counts.get(choice, 0),
            percent(counts.get(choice, 0), n),
            margin(n, counts.get(choice, 0) / n) if n else None,
        )
        for choice, label in option_labels(question)
    )


def suppress(groups: dict[str | None, int]) -> set[str | None]:
    """Which groups to hide: every group under MIN_GROUP, plus one more if only one is hidden."""
    hidden = {code for code, n in groups.items() if 0 < n < MIN_GROUP}
    if len(hidden) == 1:
        shown = sorted((n, str(code)) for code, n in groups.items() if code not in hidden and n > 0)
        if shown:
            smallest = shown[0][1]
            hidden |= {code for code in groups if str(code) == smallest}
    return hidden


async def compute(repository: SurveyRepository, survey: SurveyRecord) -> SurveyResults:
    questions = []
    for question in survey.questions:
        n = await repository.answered(question.id)
        if question.kind.is_choice:
            counts = await repository.tally(question.id)
            values = await repository.values(question.id)
            result = QuestionResult(
                question,
                n,
                margin(n),
                _options(question, counts, n),
                mean=(
                    sum(c * k for c, k in counts.items()) / sum(counts.values())
                    if question.kind == QuestionKind.SCALE and counts
                    else None
                ),
                notes=sum(1 for _n, text in values if text),
                breakdowns={
                    name: await _breakdown(repository, survey.id, question, name)
                    for name in SEGMENTS
                },
            )
        elif question.kind == QuestionKind.NUMBER:
            numbers = [v for v, _t in await repository.values(question.id) if v is not None]
            result = QuestionResult(
                question,
                len(numbers),
                None,
                mean=statistics.fmean(numbers) if numbers else None,
                median=statistics.median(numbers) if numbers else None,
                minimum=min(numbers) if numbers else None,
                maximum=max(numbers) if numbers else None,
            )
        else:
            texts = [t for _v, t in await repository.values(question.id) if t]
            result = QuestionResult(question, len(texts), None, notes=len(texts))
        questions.append(result)
    return SurveyResults(survey, await repository.response_count(survey.id), tuple(questions))


async def _breakdown(
    repository: SurveyRepository, survey_id: int, question: QuestionRecord, segment: str
) -> tuple[GroupResult, ...]:
    rows = await repository.breakdown(survey_id, question.id, segment)
    sizes: dict[str | None, int] = {}
    counts: dict[str | None, dict[int, int]] = {}
    for code, choice, count in rows:
        if choice == NOTE:
            sizes[code] = count
        else:
            counts.setdefault(code, {})[choice] = count
    hidden = suppress(sizes)
    order = [str(code) for code in SEGMENTS[segment]]
    groups = []
    for code in sorted(sizes, key=lambda c: order.index(c) if c in order else len(order)):
        n = sizes[code]
        if code in hidden:
            groups.append(GroupResult(code, n, True))
        else:
            groups.append(GroupResult(code, n, False, _options(question, counts.get(code, {}), n)))
    return tuple(groups)
