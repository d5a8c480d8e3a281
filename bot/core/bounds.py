"""The ranges a value from outside must fit before it goes any further.

Typed arguments, button payloads, deep-link payloads and file contents all come from
people who may type anything. Checking them where they enter, against what storage and
the platforms can hold, turns "Python int too large to convert to SQLite INTEGER" or a
date in the year 1 into the same short message as any other wrong answer, instead of a
traceback deep inside a query.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
"""What an INTEGER column holds on SQLite and a BIGINT on PostgreSQL."""

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
"""The window for any date a member or a file gives: far from both ends of the calendar,
so converting it to another time zone or adding a day can never overflow."""

_INTEGER = re.compile(r"[+-]?[0-9]{1,19}")
"""ASCII digits only: ``str.isdigit`` also accepts "²" or "٣", which ``int`` refuses or
reads in ways nobody meant."""


def parse_int(text: str, *, low: int = INT64_MIN, high: int = INT64_MAX) -> int | None:
    """A whole number written in ASCII digits within ``low``..``high``, else None."""
    candidate = text.strip()
    if not _INTEGER.fullmatch(candidate):
        return None
    number = int(candidate)
    return number if low <= number <= high else None


def parse_id(text: str) -> int | None:
    """A stored row's id (1 up to the 64-bit limit), else None."""
    return parse_int(text, low=1)


def fits_int64(number: int) -> bool:
    return INT64_MIN <= number <= INT64_MAX


def in_window(moment: datetime) -> bool:
    """Whether an aware datetime lies inside :data:`EARLIEST` .. :data:`LATEST`."""
    return EARLIEST <= moment < LATEST
