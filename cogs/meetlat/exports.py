"""The Meetlat's exports for the Magazine and the lobby: CSV and JSON of published scores.

Only items with enough raters appear (the same rule as every other publication), each
with the method version its scores used, n and the spread per criterion, and its mark.
Nothing in them says who rated. Text cells are guarded against spreadsheet formulas.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from bot.core.files import spreadsheet_cell
from cogs.meetlat.scoring import Params
from cogs.meetlat.service import Standing, params_of
from storage.records.meetlat import CriterionRecord, MethodRecord


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _mark(found: Standing) -> tuple[str, str]:
    mark = found.mark
    if mark is None:
        return "", ""
    return mark.level, mark.valid_until.date().isoformat()


def standings_csv(listed: Sequence[Standing], method: MethodRecord, criteria: dict[int, CriterionRecord]) -> bytes:
    codes = [criteria[c].code if c in criteria else str(c) for c in method.criteria]
    header = ["rank", "item", "kind", "sector", "sponsor", "method_version", "raters", "overall"]
    for code in codes:
        header += [f"{code}_score", f"{code}_n", f"{code}_spread"]
    header += ["mark", "mark_valid_until"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for rank, found in enumerate(listed, start=1):
        row: list[Any] = [
            rank,
            spreadsheet_cell(found.item.name),
            found.item.kind.value,
            spreadsheet_cell(found.item.sector or ""),
            "ja" if found.item.sponsor else "nee",
            found.method.version,
            found.score.raters,
            _rounded(found.score.overall),
        ]
        for criterion_id in method.criteria:
            scored = found.score.criterion(criterion_id)
            row += [_rounded(scored.score), scored.n, _rounded(scored.spread)] if scored else ["", 0, ""]
        row += list(_mark(found))
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8-sig")


def standings_json(listed: Sequence[Standing], method: MethodRecord, criteria: dict[int, CriterionRecord]) -> bytes:
    params: Params = params_of(method)
    data = {
        "method": {
            "version": method.version,
            "applies_from": method.applies_from.isoformat(),
            "description": method.description,
            "prior_weight": params.prior_weight,
            "min_raters": params.min_raters,
            "basis": {"min_score": params.basis_min, "min_n": params.basis_n},
            "plus": {"min_score": params.plus_min, "evidence_checked": True},
            "window_days": params.window_days,
            "mark_validity_days": params.validity_days,
            "criteria": [
                {"code": criteria[c].code, "name": criteria[c].name, "explanation": criteria[c].explanation} for c in method.criteria if c in criteria
            ],
        },
        "items": [
            {
                "rank": rank,
                "name": found.item.name,
                "kind": found.item.kind.value,
                "sector": found.item.sector,
                "sponsor": found.item.sponsor,
                "raters": found.score.raters,
                "overall": _rounded(found.score.overall),
                "criteria": {
                    (criteria[c.criterion_id].code if c.criterion_id in criteria else str(c.criterion_id)): {
                        "score": _rounded(c.score),
                        "n": c.n,
                        "mean": _rounded(c.mean),
                        "spread": _rounded(c.spread),
                    }
                    for c in found.score.criteria
                },
                "mark": _mark(found)[0] or None,
                "mark_valid_until": _mark(found)[1] or None,
                "reply": found.item.reply,
            }
            for rank, found in enumerate(listed, start=1)
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
