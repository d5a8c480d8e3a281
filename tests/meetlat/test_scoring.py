"""The Meetlat's arithmetic against hand-computed values, and properties of the formula."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.meetlat.scoring import CountedRating, Mark, Params, mark_for, priors, score_items, shrunk
from cogs.meetlat.signals import Arrival, BurstRules, find_burst

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
C = 1


def ratings(item_id: int, values: list[int], *, prefix: str = "m", at: datetime = NOW) -> list[CountedRating]:
    return [CountedRating(item_id, f"member:{prefix}{item_id}-{n}", at, {C: value}) for n, value in enumerate(values)]


def test_the_shrunk_score_matches_the_hand_computed_values() -> None:
    # Item 1: 5 5 4 4 5 3 (x̄ = 26/6); item 2: 2 3 2 (x̄ = 7/3). C = (26/6 + 7/3) / 2 = 10/3.
    # S1 = (6·26/6 + 5·10/3) / 11 = (26 + 50/3) / 11 = 128/33 = 3.8788
    # S2 = (3·7/3 + 5·10/3) / 8 = (7 + 50/3) / 8 = 71/24 = 2.9583
    scores = score_items(ratings(1, [5, 5, 4, 4, 5, 3]) + ratings(2, [2, 3, 2]), [C], Params(), NOW)
    first, second = scores[1].criteria[0], scores[2].criteria[0]
    assert first.prior == pytest.approx(10 / 3)
    assert first.score == pytest.approx(128 / 33)
    assert second.score == pytest.approx(71 / 24)
    assert first.n == 6 and second.n == 3
    assert first.mean == pytest.approx(26 / 6)
    assert first.spread == pytest.approx((10 / 3 / 5) ** 0.5)  # Σ(x-x̄)² = 10/3, n-1 = 5
    assert scores[1].published and not scores[2].published  # 6 raters vs 3 (< 5)
    assert scores[1].overall == pytest.approx(128 / 33)


def test_the_prior_is_the_mean_of_item_means_not_of_all_ratings() -> None:
    many = ratings(1, [5] * 40)
    few = ratings(2, [1] * 5)
    assert priors(many + few, [C])[C] == pytest.approx(3.0)  # (5 + 1) / 2, not 185/45
    assert priors([], [C])[C] == 3.0  # nothing rated anywhere: the middle of the scale


def test_one_voice_per_sponsor_counts_its_latest_rating() -> None:
    earlier = CountedRating(1, "sponsor:7", NOW - timedelta(days=3), {C: 1})
    later = CountedRating(1, "sponsor:7", NOW - timedelta(days=1), {C: 5})
    others = ratings(1, [3, 3, 3, 3])
    scored = score_items([earlier, later, *others], [C], Params(), NOW)[1]
    assert scored.raters == 5
    assert scored.criteria[0].mean == pytest.approx((5 + 12) / 5)


def test_ratings_older_than_the_window_do_not_count() -> None:
    old = ratings(1, [1, 1, 1], prefix="old", at=NOW - timedelta(days=731))
    recent = ratings(1, [4, 4, 4, 4, 4])
    scored = score_items(old + recent, [C], Params(), NOW)[1]
    assert scored.raters == 5 and scored.criteria[0].mean == 4


def test_nothing_is_published_under_five_raters_and_skipped_criteria_are_absent() -> None:
    four = score_items(ratings(1, [5, 5, 5, 5]), [C, 2], Params(), NOW)[1]
    assert four.raters == 4 and not four.published
    assert four.criterion(2) is not None and four.criterion(2).score is None and four.criterion(2).n == 0  # type: ignore[union-attr]
    assert four.overall == four.criteria[0].score  # the mean of the criteria that have ratings
    assert mark_for(four, Params(), evidence_checked=True) is None


def test_the_mark_thresholds_basis_needs_every_criterion_at_three_with_ten_ratings() -> None:
    params = Params()
    # One item only: the prior is its own mean, so S = x̄ exactly.
    basis = score_items([CountedRating(1, f"member:{n}", NOW, {1: 3, 2: 4}) for n in range(10)], [1, 2], params, NOW)[1]
    assert mark_for(basis, params, evidence_checked=False) is Mark.BASIS
    nine = score_items([CountedRating(1, f"member:{n}", NOW, {1: 3, 2: 4}) for n in range(9)], [1, 2], params, NOW)[1]
    assert mark_for(nine, params, evidence_checked=True) is None  # n = 9 < 10
    one_low = [CountedRating(1, f"member:{n}", NOW, {1: 5, 2: 2}) for n in range(12)]
    low = score_items(one_low, [1, 2], params, NOW)[1]
    assert low.criterion(2).score < 3.0 < low.overall  # type: ignore[union-attr,operator]
    assert mark_for(low, params, evidence_checked=True) is None  # thresholds, not the average


def test_plus_needs_basis_four_everywhere_and_checked_evidence() -> None:
    params = Params()
    high = score_items([CountedRating(1, f"member:{n}", NOW, {1: 5, 2: 4}) for n in range(12)], [1, 2], params, NOW)[1]
    assert mark_for(high, params, evidence_checked=False) is Mark.BASIS
    assert mark_for(high, params, evidence_checked=True) is Mark.PLUS
    # Every criterion ≥ 4.0 and the evidence checked, but n < 10 on one: no Basis, so no Plus.
    thin = [CountedRating(1, f"member:{n}", NOW, {1: 5, 2: 5} if n < 6 else {1: 5}) for n in range(12)]
    scored = score_items(thin, [1, 2], params, NOW)[1]
    assert all(c.score is not None and c.score >= 4.0 for c in scored.criteria)
    assert mark_for(scored, params, evidence_checked=True) is None


values = st.lists(st.integers(1, 5), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(first=values, second=values, weight=st.integers(0, 20))
def test_a_shrunk_score_lies_between_the_mean_and_the_prior(first: list[int], second: list[int], weight: int) -> None:
    scored = score_items(ratings(1, first) + ratings(2, second), [C], Params(prior_weight=weight), NOW)
    for item_id, given_values in ((1, first), (2, second)):
        criterion = scored[item_id].criteria[0]
        mean = sum(given_values) / len(given_values)
        low, high = sorted((mean, criterion.prior))
        assert criterion.score is not None
        assert low - 1e-9 <= criterion.score <= high + 1e-9
        assert 1.0 <= criterion.score <= 5.0
        assert criterion.score == pytest.approx(shrunk(len(given_values), mean, criterion.prior, weight))


@settings(max_examples=40, deadline=None)
@given(base=values, extra=st.integers(1, 5))
def test_one_more_high_rating_never_lowers_a_score(base: list[int], extra: int) -> None:
    others = ratings(2, [3, 3, 3])
    before = score_items(ratings(1, base) + others, [C], Params(), NOW)[1].criteria[0]
    after = score_items(ratings(1, [*base, 5]) + others, [C], Params(), NOW)[1].criteria[0]
    # The prior moves too (item 1's mean is in it), but never enough to turn the change around.
    assert after.mean is not None and before.mean is not None and after.mean >= before.mean
    assert after.score is not None and before.score is not None and after.score >= before.score - 1e-9


def test_a_burst_is_many_new_accounts_or_a_surge_over_the_usual_pace() -> None:
    rules = BurstRules()
    fresh = [Arrival(NOW - timedelta(minutes=n), NOW - timedelta(days=2)) for n in range(10)]
    old = [Arrival(NOW - timedelta(minutes=n), NOW - timedelta(days=400)) for n in range(10)]
    assert find_burst(fresh[:9], earlier=0, now=NOW, rules=rules) is None  # under 10
    burst = find_burst(fresh, earlier=900, now=NOW, rules=rules)
    assert burst is not None and burst.new_accounts == 10
    assert find_burst(old, earlier=900, now=NOW, rules=rules) is None  # 10 a day is this item's pace
    surge = find_burst(old, earlier=90, now=NOW, rules=rules)  # usually 1 a day
    assert surge is not None and surge.expected == pytest.approx(1.0)
    late = [Arrival(NOW - timedelta(hours=30), NOW - timedelta(days=2)) for _ in range(10)]
    assert find_burst(late, earlier=0, now=NOW, rules=rules) is None  # outside the window
