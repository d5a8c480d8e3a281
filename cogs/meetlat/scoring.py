"""The Meetlat's arithmetic: shrunk scores per criterion, the overall score, the mark.

Pure functions over the ratings that count (the repository decides which do: used the
item, verified, not working there, not the sponsor itself, not held out, within the
window), so that the formula can be checked by hand and by hypothesis.

Per item *i* and criterion *c*, with the *n* ratings of *c* for *i* (one per voice: a
sponsor's representatives are one voice, the latest rating counts) and their mean x̄::

    S = (n·x̄ + m·C) / (n + m)

*C* is the mean, over every item with at least one counted rating of *c*, of that item's
mean for *c* (each item weighs the same, so a much-rated item does not set the prior for
all); with no rating of *c* anywhere, *C* is the middle of the scale (3). *m* is the
method's prior weight (5): an item with 5 raters is pulled halfway to *C*. The spread is
the sample standard deviation of the ratings. Nothing is published for an item with
fewer raters than the method's minimum (5); its overall score is the mean of the scores
of the criteria that have ratings.

The mark judges thresholds, not averages: *Basis* when every criterion of the method
scores at least ``basis_min`` with at least ``basis_n`` ratings; *Plus* when Basis holds,
every criterion scores at least ``plus_min`` and an organizer checked the evidence.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

SCALE = (1, 2, 3, 4, 5)
MIDPOINT = 3.0


class Mark(StrEnum):
    BASIS = "basis"
    PLUS = "plus"


@dataclass(frozen=True, slots=True)
class Params:
    """The numbers of a methodology version."""

    prior_weight: int = 5
    """*m* in the formula."""
    min_raters: int = 5
    """Below this many raters nothing is published for an item."""
    basis_min: float = 3.0
    basis_n: int = 10
    plus_min: float = 4.0
    window_days: int = 730
    """Only ratings of the last 24 months count."""
    validity_days: int = 365
    """A mark is valid 12 months."""


@dataclass(frozen=True, slots=True)
class CountedRating:
    """A rating that counts: whose voice, for which item, when, and its answers."""

    item_id: int
    voice: str
    rated_at: datetime
    scores: Mapping[int, int]
    """Criterion number → 1..5; a skipped criterion is absent."""


@dataclass(frozen=True, slots=True)
class CriterionScore:
    criterion_id: int
    n: int
    mean: float | None
    """The plain mean x̄ (None without ratings)."""
    spread: float | None
    """Sample standard deviation (0 for one rating, None for none)."""
    prior: float
    """*C*: the mean of all items for this criterion."""
    score: float | None
    """*S*, the shrunk score (None without ratings)."""


@dataclass(frozen=True, slots=True)
class ItemScore:
    item_id: int
    raters: int
    criteria: tuple[CriterionScore, ...]
    published: bool

    @property
    def overall(self) -> float | None:
        """The mean of the criterion scores that have ratings."""
        scored = [criterion.score for criterion in self.criteria if criterion.score is not None]
        return sum(scored) / len(scored) if scored else None

    def criterion(self, criterion_id: int) -> CriterionScore | None:
        return next((c for c in self.criteria if c.criterion_id == criterion_id), None)


def shrunk(n: int, mean: float, prior: float, weight: int) -> float:
    """S = (n·x̄ + m·C) / (n + m)."""
    return (n * mean + weight * prior) / (n + weight)


def one_per_voice(ratings: Iterable[CountedRating]) -> list[CountedRating]:
    """The latest rating of each voice per item (a sponsor's representatives are one voice)."""
    latest: dict[tuple[int, str], CountedRating] = {}
    for rating in ratings:
        key = (rating.item_id, rating.voice)
        kept = latest.get(key)
        if kept is None or rating.rated_at > kept.rated_at:
            latest[key] = rating
    return list(latest.values())


def in_window(ratings: Iterable[CountedRating], now: datetime, params: Params) -> list[CountedRating]:
    since = now - timedelta(days=params.window_days)
    return [rating for rating in ratings if rating.rated_at >= since]


def priors(ratings: Iterable[CountedRating], criteria: Sequence[int]) -> dict[int, float]:
    """*C* per criterion: the mean of the item means (the midpoint where nothing is rated)."""
    values: dict[tuple[int, int], list[int]] = defaultdict(list)
    for rating in ratings:
        for criterion_id, value in rating.scores.items():
            values[(criterion_id, rating.item_id)].append(value)
    item_means: dict[int, list[float]] = defaultdict(list)
    for (criterion_id, _item), given in values.items():
        item_means[criterion_id].append(sum(given) / len(given))
    return {
        criterion_id: (sum(item_means[criterion_id]) / len(item_means[criterion_id]) if item_means[criterion_id] else MIDPOINT)
        for criterion_id in criteria
    }


def score_items(
    ratings: Iterable[CountedRating],
    criteria: Sequence[int],
    params: Params,
    now: datetime,
) -> dict[int, ItemScore]:
    """Every rated item's scores under one method (its criteria and numbers).

    The ratings are those that count; here they are cut to the window and to one per
    voice, and only the method's criteria are scored."""
    counted = one_per_voice(in_window(ratings, now, params))
    wanted = set(criteria)
    counted = [
        CountedRating(r.item_id, r.voice, r.rated_at, {c: v for c, v in r.scores.items() if c in wanted})
        for r in counted
    ]
    prior = priors(counted, criteria)
    by_item: dict[int, list[CountedRating]] = defaultdict(list)
    for rating in counted:
        by_item[rating.item_id].append(rating)
    return {item_id: _item_score(item_id, rated, criteria, prior, params) for item_id, rated in by_item.items()}


def _item_score(
    item_id: int,
    ratings: Sequence[CountedRating],
    criteria: Sequence[int],
    prior: Mapping[int, float],
    params: Params,
) -> ItemScore:
    raters = sum(1 for rating in ratings if rating.scores)
    scores = []
    for criterion_id in criteria:
        given = [rating.scores[criterion_id] for rating in ratings if criterion_id in rating.scores]
        if not given:
            scores.append(CriterionScore(criterion_id, 0, None, None, prior[criterion_id], None))
            continue
        mean = sum(given) / len(given)
        spread = statistics.stdev(given) if len(given) > 1 else 0.0
        score = shrunk(len(given), mean, prior[criterion_id], params.prior_weight)
        scores.append(CriterionScore(criterion_id, len(given), mean, spread, prior[criterion_id], score))
    return ItemScore(item_id, raters, tuple(scores), published=raters >= params.min_raters)


def mark_for(score: ItemScore | None, params: Params, *, evidence_checked: bool) -> Mark | None:
    """The mark an item's scores earn now: thresholds on every criterion, never averages."""
    if score is None or not score.published or not score.criteria:
        return None
    basis = all(
        c.score is not None and c.n >= params.basis_n and c.score >= params.basis_min for c in score.criteria
    )
    if not basis:
        return None
    if evidence_checked and all(c.score is not None and c.score >= params.plus_min for c in score.criteria):
        return Mark.PLUS
    return Mark.BASIS


def empty_score(item_id: int, criteria: Sequence[int], prior: Mapping[int, float]) -> ItemScore:
    """An item nobody rated (yet), for lists that show every item."""
    return ItemScore(
        item_id,
        0,
        tuple(CriterionScore(c, 0, None, None, prior.get(c, MIDPOINT), None) for c in criteria),
        published=False,
    )
