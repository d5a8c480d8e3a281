"""Time as the core reads and shows it: aware UTC inside, Dutch time for people.

The association works in Dutch time; everything stored is UTC (tests move the clock with
time-machine).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")


def utcnow() -> datetime:
    return datetime.now(UTC)


def when(moment: datetime | None) -> str:
    """A stored moment in Dutch time ("11-05-2027 10:00"); never raises (a date at the
    edge of the calendar, stored before dates were checked, is shown in UTC)."""
    if moment is None:
        return "—"
    try:
        return moment.astimezone(LOCAL_ZONE).strftime("%d-%m-%Y %H:%M")
    except (OverflowError, ValueError):
        return moment.strftime("%d-%m-%Y %H:%M UTC")
