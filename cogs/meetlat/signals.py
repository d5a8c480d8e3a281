"""When a run of ratings for one item looks organised: a pure rule, checked per new rating.

A burst is at least ``min_ratings`` first-time ratings of one item within ``window``, and
either half or more of them come from accounts younger than ``new_account_age``, or there
are ``surge_factor`` times as many as the item's usual pace (its first-time ratings in the
``baseline`` before the window, scaled to the window's length) would give. A burst is
flagged for organizers; it is never held out of the score automatically: a magazine
article can bring a genuine rush of new members.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class BurstRules:
    window: timedelta = timedelta(hours=24)
    min_ratings: int = 10
    new_account_age: timedelta = timedelta(days=14)
    new_share: float = 0.5
    surge_factor: float = 5.0
    baseline: timedelta = timedelta(days=90)


@dataclass(frozen=True, slots=True)
class Arrival:
    """A first-time rating of the item: when, and when the rater's account was made."""

    rated_at: datetime
    joined_at: datetime | None

    def is_new(self, rules: BurstRules) -> bool:
        """From an account younger than ``new_account_age`` when it rated."""
        return self.joined_at is not None and self.rated_at - self.joined_at < rules.new_account_age


@dataclass(frozen=True, slots=True)
class Burst:
    window_start: datetime
    ratings: int
    new_accounts: int
    expected: float
    """How many the usual pace would give in the window."""


def expected_in_window(earlier: int, rules: BurstRules) -> float:
    return earlier * (rules.window / rules.baseline)


def find_burst(arrivals: Sequence[Arrival], earlier: int, now: datetime, rules: BurstRules) -> Burst | None:
    """The burst among the arrivals of the window ending now, if they make one.

    ``earlier``: first-time ratings of the item in the baseline before the window."""
    start = now - rules.window
    recent = [arrival for arrival in arrivals if start <= arrival.rated_at <= now]
    if len(recent) < rules.min_ratings:
        return None
    new = sum(1 for arrival in recent if arrival.is_new(rules))
    expected = expected_in_window(earlier, rules)
    if new >= rules.new_share * len(recent) or len(recent) >= rules.surge_factor * max(expected, 1.0):
        return Burst(start, len(recent), new, expected)
    return None
