"""CSV (one row per response, no personal data) and a JSON summary of the results.

The CSV numbers responses in key order, which is random: nothing in it says who answered
or when. Free text is in the CSV (for the organizers' analysis), never in what is
published automatically.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from typing import Any

from cogs.surveys.results import MIN_GROUP, SurveyResults, option_labels
from storage.records.surveys import NOTE, SKIPPED, QuestionKind, SurveyRecord
from storage.repositories.surveys import SurveyRepository

log = logging.getLogger(__name__)


async def responses_csv(repository: SurveyRepository, survey: SurveyRecord) -> bytes:
    header = ["response", "work_situation", "province", "kind"]
    for question in survey.questions:
        header.append(f"q{question.position}")
        if question.explain:
            header.append(f"q{question.position}_toelichting")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for number, (_key, segment, answers) in enumerate(
        await repository.responses(survey.id), start=1
    ):
        row: list[Any] = [
            number,
            segment.work_situation or "",
            segment.province or "",
            segment.kind or "",
        ]
        for question in survey.questions:
            stored = answers.get(question.id, [])
            labels = dict(option_labels(question))
            if any(choice == SKIPPED for choice, _n, _t in stored):
                value = "(skipped)"
            elif question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
                value = "; ".join(labels.get(c, str(c)) for c, _n, _t in sorted(stored) if c > NOTE)
            elif question.kind == QuestionKind.SCALE:
                value = next((str(c) for c, _n, _t in stored if c > NOTE), "")
            elif question.kind == QuestionKind.NUMBER:
                value = next((f"{n:g}" for c, n, _t in stored if c == NOTE and n is not None), "")
            else:
                value = next((t for c, _n, t in stored if c == NOTE and t), "")
            row.append(value)
            if question.explain:
                row.append(next((t for c, _n, t in stored if c == NOTE and t), ""))
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8-sig")


def summary(results: SurveyResults) -> dict[str, Any]:
    """The results as JSON-ready data (no free text, suppressed groups without figures)."""
    survey = results.survey
    questions = []
    for result in results.questions:
        entry: dict[str, Any] = {
            "position": result.question.position,
            "type": result.question.kind,
            "text": result.question.text,
            "n": result.n,
        }
        if result.is_choice:
            entry["margin_of_error_95"] = round(result.margin, 1) if result.margin else None
            entry["options"] = [
                {
                    "label": o.label,
                    "count": o.count,
                    "percent": round(o.percent, 1),
                    "margin_of_error_95": round(o.margin, 1) if o.margin is not None else None,
                }
                for o in result.options
            ]
            if result.mean is not None:
                entry["mean"] = round(result.mean, 2)
            entry["explanations_given"] = result.notes
            entry["breakdowns"] = {
                name: [
                    {"group": g.code or "unknown", "suppressed": True}
                    if g.suppressed
                    else {
                        "group": g.code or "unknown",
                        "n": g.n,
                        "percent": {o.label: round(o.percent, 1) for o in g.options},
                    }
                    for g in groups
                ]
                for name, groups in result.breakdowns.items()
            }
        elif result.question.kind == "number":
            entry.update(
                {
                    key: (round(value, 2) if value is not None else None)
                    for key, value in (
                        ("mean", result.mean),
                        ("median", result.median),
                        ("min", result.minimum),
                        ("max", result.maximum),
                    )
                }
            )
        else:
            entry["note"] = "free text: in the CSV export only, never published"
        questions.append(entry)
    return {
        "survey": survey.id,
        "title": survey.title,
        "mode": survey.mode,
        "status": survey.status,
        "opens_at": survey.opens_at.isoformat() if survey.opens_at else None,
        "closes_at": survey.closes_at.isoformat() if survey.closes_at else None,
        "respondents": results.respondents,
        "audience": survey.audience or "all members",
        "method": (
            "one response per member (a sponsor organization counts as one); margins of "
            "error at 95% assume a simple random sample; groups under "
            f"{MIN_GROUP} respondents are suppressed"
        ),
        "questions": questions,
    }


def summary_json(results: SurveyResults) -> bytes:
    return json.dumps(summary(results), indent=2, ensure_ascii=False).encode()
