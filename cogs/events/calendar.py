"""An event as an iCalendar (.ics) file that members add to their own calendar.

Times go out as local wall-clock times with ``TZID=Europe/Amsterdam`` and a VTIMEZONE that
describes that zone. A bare UTC time would be right as an instant too, but Outlook then
shows the event in its own zone setting and Google keeps it "floating" on some imports;
with TZID and VTIMEZONE, Google Calendar, Outlook and Apple Calendar all show 10:00 for a
festival that starts at 10:00 in Utrecht, on both sides of the change to summer time.

The UID is the event's own stable ``uid``, and SEQUENCE is the record's ``sequence``: a
calendar that already holds the event replaces it when a file with a higher SEQUENCE comes
in (new time, new place, cancellation) instead of adding a second copy.

Pure functions: a record in, bytes out; the only outside input is the clock for DTSTAMP.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from datetime import MAXYEAR, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event, Timezone

from bot.core.clock import LOCAL_ZONE, utcnow
from bot.core.i18n import _
from storage.records.events import EventRecord, EventStatus, SessionRecord

log = logging.getLogger(__name__)

PRODID = "-//De Werkvereniging//Werkbot//NL"
MAX_SLUG = 60
"""Characters of the title in a file name: long enough to recognise, short for every OS."""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def event_zone(event: EventRecord) -> ZoneInfo:
    """The event's time zone; Dutch time when the stored name is unknown to this system.

    A wrong name (a typo in an import, a zone missing from the tz database) must not stop a
    member from getting the file, and the association only meets in the Netherlands.
    """
    try:
        return ZoneInfo(event.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning(
            "event %s has unknown time zone %r; using %s", event.id, event.time_zone, LOCAL_ZONE
        )
        return LOCAL_ZONE


def local_time(moment: datetime, zone: ZoneInfo) -> datetime:
    """An aware moment as wall-clock time in ``zone``.

    A naive datetime would silently be read as the server's local time, so it is refused.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("event times must be aware datetimes (UTC)")
    return moment.astimezone(zone)


def event_ics(event: EventRecord, sessions: Sequence[SessionRecord] = ()) -> bytes:
    """The VCALENDAR for one event, plus one VEVENT for each session the member chose.

    ``sessions`` are the member's own choices (not necessarily ``event.sessions``); they
    must belong to this event. Texts are in the current language (``bot.core.i18n``).
    """
    for session in sessions:
        if session.event_id != event.id:
            raise ValueError(f"session {session.id} belongs to event {session.event_id}")
    zone = event_zone(event)
    cancelled = event.status is EventStatus.CANCELLED
    stamp = utcnow()

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")

    start = local_time(event.starts_at, zone)
    end = local_time(event.ends_at, zone)
    main = _vevent(event, event.uid, start, end, stamp)
    main.add("summary", _clean(event.title))
    description = _clean(event.description)
    online = _safe_url(event.venue.online_url)
    if online:
        join = _("Join online: {url}").format(url=online)
        description = f"{description}\n\n{join}" if description else join
    if description:
        main.add("description", description)
    location = _location(event)
    if location:
        main.add("location", location)
    calendar.add_component(main)

    earliest, latest = start, end
    seen: set[int] = set()
    for session in sorted(sessions, key=lambda s: (s.starts_at, s.id)):
        if session.id in seen:
            continue
        seen.add(session.id)
        session_start = local_time(session.starts_at, zone)
        session_end = local_time(session.ends_at, zone)
        earliest, latest = min(earliest, session_start), max(latest, session_end)
        part = _vevent(event, session_uid(event, session), session_start, session_end, stamp)
        part.add("summary", _clean(session.title))
        part_of = _("Part of {event}").format(event=_clean(event.title))
        text = _clean(session.description or "")
        part.add("description", f"{text}\n\n{part_of}" if text else part_of)
        where = ", ".join(p for p in (_clean(session.room or ""), _location(event)) if p)
        if where:
            part.add("location", where)
        calendar.add_component(part)

    # Only the years the file needs: the whole 1970-2038 table would add 4 kB of RDATEs.
    first = date(earliest.year, 1, 1)
    last = date(min(latest.year + 1, MAXYEAR), 1, 1)
    calendar.subcomponents.insert(0, Timezone.from_tzid(zone.key, first_date=first, last_date=last))
    data: bytes = calendar.to_ical()
    return data


def session_uid(event: EventRecord, session: SessionRecord) -> str:
    """A UID for one session, derived from the event's: the same in every file, never
    equal to the event's own or another session's."""
    local, at, domain = event.uid.rpartition("@")
    if not at:
        return f"{event.uid}-session-{session.id}"
    return f"{local}-session-{session.id}@{domain}"


def ics_filename(event: EventRecord) -> str:
    """``festival-modern-werkenden-2027-05-11.ics``: ASCII, no path characters, and the
    local date so two editions of the same festival do not overwrite each other."""
    day = local_time(event.starts_at, event_zone(event)).date().isoformat()
    ascii_title = (
        unicodedata.normalize("NFKD", event.title).encode("ascii", "ignore").decode("ascii")
    )
    slug = _NOT_SLUG.sub("-", ascii_title.lower()).strip("-")
    if len(slug) > MAX_SLUG:
        slug = slug[:MAX_SLUG].rsplit("-", 1)[0] if "-" in slug[:MAX_SLUG] else slug[:MAX_SLUG]
        slug = slug.strip("-")
    return f"{slug or f'evenement-{event.id}'}-{day}.ics"


def _vevent(event: EventRecord, uid: str, start: datetime, end: datetime, stamp: datetime) -> Event:
    """What the event and its sessions share: identity, version, times and status."""
    component = Event()
    component.add("uid", uid)
    component.add("sequence", max(event.sequence, 0))
    component.add("dtstamp", stamp)
    component.add("created", event.created_at)
    component.add("last-modified", event.updated_at)
    component.add("dtstart", start)
    component.add("dtend", end)
    component.add("status", "CANCELLED" if event.status is EventStatus.CANCELLED else "CONFIRMED")
    url = _safe_url(event.venue.online_url) or _safe_url(event.venue.map_url)
    if url:
        component.add("url", url)
    return component


def _location(event: EventRecord) -> str:
    """Venue name and address; "Online" for an event that only happens online."""
    venue = event.venue
    parts = [_clean(p) for p in (venue.name, venue.address) if p]
    joined = ", ".join(p for p in parts if p)
    if not joined and _safe_url(venue.online_url):
        return _("Online")
    return joined


def _clean(text: str | None) -> str:
    """Text as a calendar may carry it: line breaks kept, other control characters out
    (a NUL or a bare CR from a pasted text makes some calendar apps refuse the file)."""
    if not text:
        return ""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _safe_url(url: str | None) -> str | None:
    """An http(s) URL with no spaces or control characters, else None.

    URI values are not escaped like text in iCalendar: a line break in one would start a
    new property in the file.
    """
    if not url:
        return None
    url = url.strip()
    if not url.lower().startswith(("https://", "http://")):
        return None
    if any(c.isspace() or unicodedata.category(c) == "Cc" for c in url):
        return None
    return url
