"""The process's garbage collector settings (bot/collector.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot import collector


@pytest.fixture
def restore_collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.set_threshold(*thresholds)
    gc.unfreeze()


def test_tune_sets_a_large_young_generation(restore_collector: None) -> None:
    gc.set_threshold(700, 10, 10)
    collector.tune()
    assert gc.get_threshold() == (collector.YOUNG_THRESHOLD, *collector.OLDER_THRESHOLDS)
    assert collector.YOUNG_THRESHOLD > 700


def test_settle_frees_garbage_and_freezes_the_survivors(restore_collector: None) -> None:
    gc.unfreeze()

    class Node:
        def __init__(self) -> None:
            self.me = self  # a cycle: only the collector frees it

    Node()
    kept = Node()
    collector.settle()
    assert gc.get_freeze_count() > 0
    assert not any(isinstance(o, Node) for o in gc.get_objects())  # kept is frozen, not tracked
    assert kept.me is kept
    gc.unfreeze()
    assert sum(isinstance(o, Node) for o in gc.get_objects()) == 1  # the garbage one is gone
