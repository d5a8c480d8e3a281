"""Time as the core reads and shows it: aware UTC inside, Dutch time for people.

The association works in Dutch time; everything stored is UTC (tests move the clock with
time-machine).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from bot.core.i18n import _

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


_MOMENT = re.compile(
    r"^\s*(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}))"
    r"(?:[ T]+(\d{1,2})[:.](\d{2}))?\s*$"
)


class MomentError(ValueError):
    """A typed moment that cannot be used; the message says why, in the member's language."""


def local_moment(text: str, *, default_time: time | None = None) -> datetime:
    """A moment typed in Dutch time ("2027-05-11 10:00" or "11-05-2027 10:00") as aware UTC.

    A time that does not exist (the hour skipped when summer time starts) or happens twice
    (when the clocks go back) is refused with the reason: the member must pick another
    minute, rather than be placed an hour off without knowing.
    """
    found = _MOMENT.match(text[:40])
    if found is None:
        raise MomentError(_("Please type a date and time like 2027-05-11 10:00."))
    year, month, day_ = (
        (found[1], found[2], found[3]) if found[1] else (found[6], found[5], found[4])
    )
    if found[7] is not None:
        hour, minute = int(found[7]), int(found[8])
    elif default_time is not None:
        hour, minute = default_time.hour, default_time.minute
    else:
        raise MomentError(_("Please type a date and time like 2027-05-11 10:00."))
    try:
        naive = datetime(int(year), int(month), int(day_), hour, minute)
    except ValueError:
        raise MomentError(_("That date does not exist.")) from None
    if not 1970 <= naive.year < 2200:
        raise MomentError(
            _("Please give a date between {first} and {last}.").format(first=1970, last=2199)
        )
    early = naive.replace(fold=0).replace(tzinfo=LOCAL_ZONE)
    late = naive.replace(fold=1).replace(tzinfo=LOCAL_ZONE)
    if early.utcoffset() != late.utcoffset():
        if early.astimezone(UTC).astimezone(LOCAL_ZONE).replace(tzinfo=None) != naive:
            raise MomentError(
                _("{moment} does not exist: the clocks go forward then. Pick another time.").format(
                    moment=naive.strftime("%d-%m-%Y %H:%M")
                )
            )
        raise MomentError(
            _("{moment} happens twice: the clocks go back then. Pick another time.").format(
                moment=naive.strftime("%d-%m-%Y %H:%M")
            )
        )
    return early.astimezone(UTC)
