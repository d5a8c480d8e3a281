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


@dataclass(frozen=True, slots=True)
class ItemStats:
    """What the score of one item needs from its ratings: per criterion n, x̄ and the
    spread, and the number of raters. Kept per item, so that one new rating recomputes one
    item and the shrinkage of all (cheap), not every rating."""

    item_id: int
    raters: int
    given: Mapping[int, tuple[int, float, float]]
    """Criterion number → (n, mean, spread) for the criteria that have ratings."""


def item_stats(item_id: int, ratings: Sequence[CountedRating], criteria: Sequence[int]) -> ItemStats:
    """The statistics of one item's counted ratings (in the window, one per voice)."""
    given: dict[int, tuple[int, float, float]] = {}
    for criterion_id in criteria:
        values = [rating.scores[criterion_id] for rating in ratings if criterion_id in rating.scores]
        if values:
            spread = statistics.stdev(values) if len(values) > 1 else 0.0
            given[criterion_id] = (len(values), sum(values) / len(values), spread)
    raters = sum(1 for rating in ratings if any(c in rating.scores for c in criteria))
    return ItemStats(item_id, raters, given)


def counted_per_item(
    ratings: Iterable[CountedRating], criteria: Sequence[int], params: Params, now: datetime
) -> dict[int, ItemStats]:
    """Every rated item's statistics: the ratings cut to the window and to one per voice."""
    by_item: dict[int, list[CountedRating]] = defaultdict(list)
    for rating in one_per_voice(in_window(ratings, now, params)):
        by_item[rating.item_id].append(rating)
    return {item_id: item_stats(item_id, rated, criteria) for item_id, rated in by_item.items()}


def prior_of(stats: Mapping[int, ItemStats], criteria: Sequence[int]) -> dict[int, float]:
    """*C* per criterion: the mean of the item means (the midpoint where nothing is rated)."""
    prior = {}
    for criterion_id in criteria:
        means = [item.given[criterion_id][1] for item in stats.values() if criterion_id in item.given]
        prior[criterion_id] = sum(means) / len(means) if means else MIDPOINT
    return prior


def priors(ratings: Iterable[CountedRating], criteria: Sequence[int]) -> dict[int, float]:
    """*C* of these ratings, as they are (no window, no one-per-voice)."""
    by_item: dict[int, list[CountedRating]] = defaultdict(list)
    for rating in ratings:
        by_item[rating.item_id].append(rating)
    return prior_of({item: item_stats(item, rated, criteria) for item, rated in by_item.items()}, criteria)


def shrink(stats: Mapping[int, ItemStats], criteria: Sequence[int], params: Params) -> dict[int, ItemScore]:
    """The scores of every item from their statistics: *C* per criterion is the mean of the
    item means, then S = (n·x̄ + m·C)/(n + m)."""
    prior = prior_of(stats, criteria)
    scores = {}
    for item_id, item in stats.items():
        rows = []
        for criterion_id in criteria:
            if criterion_id not in item.given:
                rows.append(CriterionScore(criterion_id, 0, None, None, prior[criterion_id], None))
                continue
            n, mean, spread = item.given[criterion_id]
            rows.append(CriterionScore(criterion_id, n, mean, spread, prior[criterion_id], shrunk(n, mean, prior[criterion_id], params.prior_weight)))
        scores[item_id] = ItemScore(item_id, item.raters, tuple(rows), published=item.raters >= params.min_raters)
    return scores


def score_items(
    ratings: Iterable[CountedRating],
    criteria: Sequence[int],
    params: Params,
    now: datetime,
) -> dict[int, ItemScore]:
    """Every rated item's scores under one method (its criteria and numbers), from the
    ratings that count; they are cut to the window and to one per voice here."""
    return shrink(counted_per_item(ratings, criteria, params, now), criteria, params)


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
