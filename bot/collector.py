"""Garbage collector settings for a long-running bot process.

Werkbot frees almost everything by reference counting; the cyclic collector only finds
the rare cycle. With CPython's defaults (a young collection every 700 new container
objects) a busy answer path promotes tens of thousands of short-lived objects (futures,
batch records, per-answer dicts) that merely waited for a commit into the old
generations, which sets off full collections of the whole heap: measured on the survey
benchmark, five or six full passes of 140-210 ms in three seconds, which alone put the
p99 answer latency far above 50 ms. A larger young generation lets those objects die by
reference count first. Freezing what start-up created (modules, classes, functions,
the composition root) keeps it out of every later full pass.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 20_000
"""New container objects between young collections (CPython's default: 700)."""
OLDER_THRESHOLDS = (10, 10)
"""Young collections per middle one, middle ones per considered full one (the defaults)."""


def tune() -> None:
    """Set the collector's thresholds for a service (call once, before start-up)."""
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)


def settle() -> None:
    """Collect once and freeze the survivors: call when start-up is over.

    Objects alive now live as long as the process, so later full collections need not
    walk them again; what start-up left as garbage is freed first.
    """
    gc.collect()
    gc.freeze()
