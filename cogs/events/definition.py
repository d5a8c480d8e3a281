"""The YAML format of an event, checked with the line number of every problem.

Organizers describe an event (the Festival for Modern Werkenden, a gathering, a meeting
of the Platform Vernieuwen Doen We Samen) in a file they write by hand, so a mistake must
say where it is ("line 7: unknown key 'startss' in the event") and nothing is created
until the whole file is right. The file is read by the core's bounded loader
(``bot/core/yamlfile.py``, shared with the survey files): at most 100 kB of UTF-8, 8
levels deep and 5,000 items, no aliases.

```yaml
title: Festival voor Modern Werkenden
kind: festival              # festival | bijeenkomst | platform
description: |
  De Dag van de Modern Werkenden: workshops, gesprekken en muziek voor iedereen die
  werkt als zzp'er, in loondienst of allebei. Met lunch; neem gerust iemand mee.
starts: 2027-05-11 10:00    # Dutch time (Europe/Amsterdam); an explicit offset like 2027-05-11 10:00+02:00 is allowed
ends: 2027-05-11 17:00
venue:                      # a venue, an online link, or both
  name: Seats2meet Utrecht CS
  address: Moreelsepark 65, 3511 EP Utrecht
  map: https://www.openstreetmap.org/?mlat=52.0893&mlon=5.1101
online: https://meet.example.org/festival
capacity: 500               # optional: no limit without it
rsvp_deadline: 2027-05-09 23:59   # optional
guest: true                 # optional: members may bring one guest (+1), counted in the capacity
audience:                   # optional: all members without it, or a segment
  work_situation: [zzp, combinatie]
  province: [utrecht]
  kind: [deelnemer]
sessions:                   # optional programme
  - title: Workshop Pensioen voor zzp'ers
    starts: 2027-05-11 11:00
    ends: 2027-05-11 12:00
    room: Zaal 1
    capacity: 40
    description: Wat regel je zelf, en wat kun je samen regelen? Met rekenvoorbeelden.
```

The rules:

- ``title`` (required): 1 to 200 characters, one line. ``kind`` (required): festival,
  bijeenkomst or platform. ``description`` (optional): up to 4,000 characters.
- ``starts`` and ``ends`` (required), ``rsvp_deadline`` and the sessions' times: a date and
  time from 1970 to 2199, in Dutch time unless an offset is written (``+02:00``); stored
  as UTC. A Dutch time that does not exist (the hour skipped when summer time starts,
  2027-03-28 02:30) is refused; one that happens twice (when the clocks go back,
  2026-10-25 02:30) is refused unless the offset says which. ``ends`` comes after
  ``starts``; with ``now`` the start lies in the future; the deadline is before the end.
- ``venue`` (``name`` up to 200 characters, ``address`` up to 300, ``map`` a link) and
  ``online`` (a link): at least a venue name or an online link. Links are http(s) and at
  most 500 characters.
- ``capacity``: a whole number from 1 to 100,000 (also for a session); none is no limit.
- ``guest``: true or false (also ja/nee, yes/no, on/off); members may bring one guest.
- ``audience``: ``work_situation``, ``province``, ``kind``, each a list of the shared
  vocabulary's codes (as in survey files); without it the event is for all members.
- ``sessions``: at most 50, each with ``title`` (1 to 200 characters), ``starts`` and
  ``ends`` inside the event, and optionally ``room`` (up to 100 characters),
  ``capacity`` and ``description`` (up to 4,000 characters).
- Unknown or repeated keys are errors.
"""

from __future__ import annotations

from datetime import UTC, datetime

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.core.clock import LOCAL_ZONE, utcnow
from bot.core.yamlfile import Checker, DefinitionError, by_line, line_of, load
from storage.records.events import EventKind, NewEvent, NewSession, Venue
from storage.vocabulary import SEGMENTS

__all__ = [
    "AUDIENCE_CODES",
    "SESSION_KEYS",
    "TOP_KEYS",
    "VENUE_KEYS",
    "DefinitionError",
    "example_event_file",
    "parse_event_file",
]

KINDS = tuple(kind.value for kind in EventKind)
MAX_TITLE = 200
MAX_DESCRIPTION = 4_000
MAX_VENUE_NAME = 200
MAX_ADDRESS = 300
MAX_LINK = 500
MAX_ROOM = 100
MAX_CAPACITY = 100_000
MAX_SESSIONS = 50
AUDIENCE_CODES = {name: [code.value for code in codes] for name, codes in SEGMENTS.items()}
TOP_KEYS = {
    "title",
    "kind",
    "description",
    "starts",
    "ends",
    "venue",
    "online",
    "capacity",
    "rsvp_deadline",
    "guest",
    "audience",
    "sessions",
}
VENUE_KEYS = {"name", "address", "map"}
SESSION_KEYS = {"title", "starts", "ends", "room", "capacity", "description"}


def _blank(node: Node) -> bool:
    """``online:`` with nothing after it: the same as leaving the key out."""
    return isinstance(node, ScalarNode) and not str(node.value).strip()


def _optional_text(
    checker: Checker,
    fields: dict[str, Node],
    key: str,
    what: str,
    *,
    limit: int,
    lines: bool = False,
) -> str | None:
    if key not in fields:
        return None
    return checker.text(fields[key], what, limit=limit, required=False, lines=lines) or None


def _optional_link(checker: Checker, fields: dict[str, Node], key: str, what: str) -> str | None:
    if key not in fields or _blank(fields[key]):
        return None
    return checker.link(fields[key], what, limit=MAX_LINK)


def _required(
    checker: Checker, fields: dict[str, Node], parent: Node, key: str, where: str, hint: str = ""
) -> Node | None:
    if key in fields:
        return fields[key]
    checker.add(parent, f"{where}'{key}' is missing{hint}")
    return None



def _session(
    checker: Checker, node: Node, number: int, starts: datetime | None, ends: datetime | None
) -> NewSession | None:
    where = f"session {number}"
    before = len(checker.problems)
    fields = checker.mapping(node, where, SESSION_KEYS)
    if not isinstance(node, MappingNode):
        return None
    title = session_starts = session_ends = None
    if (found := _required(checker, fields, node, "title", f"{where}: ")) is not None:
        title = checker.text(found, f"{where}: title", limit=MAX_TITLE, lines=False)
    if (found := _required(checker, fields, node, "starts", f"{where}: ")) is not None:
        session_starts = checker.moment(found, f"{where}: starts", exact=True)
    if (found := _required(checker, fields, node, "ends", f"{where}: ")) is not None:
        session_ends = checker.moment(found, f"{where}: ends", exact=True)
    if session_starts is not None and session_ends is not None:
        if session_ends <= session_starts:
            checker.add(fields["ends"], f"{where}: ends must be after starts")
        if starts is not None and session_starts < starts:
            checker.add(fields["starts"], f"{where}: starts before the event starts")
        if ends is not None and session_ends > ends:
            checker.add(fields["ends"], f"{where}: ends after the event ends")
    room = _optional_text(checker, fields, "room", f"{where}: room", limit=MAX_ROOM)
    description = _optional_text(
        checker, fields, "description", f"{where}: description", limit=MAX_DESCRIPTION, lines=True
    )
    capacity = None
    if "capacity" in fields:
        capacity = checker.whole(fields["capacity"], f"{where}: capacity", low=1, high=MAX_CAPACITY)
    if len(checker.problems) != before or title is None:
        return None
    assert session_starts is not None and session_ends is not None
    return NewSession(
        title=title,
        starts_at=session_starts,
        ends_at=session_ends,
        room=room,
        capacity=capacity,
        description=description,
    )


def parse_event_file(data: bytes, *, now: datetime | None = None) -> NewEvent:
    """Read an event file; raise :class:`DefinitionError` listing every problem by line.

    With ``now`` (aware; a naive one is taken as UTC) the event must start after it.
    Never raises anything else, whatever the bytes.
    """
    root = load(data, what="an event file")
    checker = Checker()
    if not isinstance(root, MappingNode):
        raise DefinitionError(
            [f"line {line_of(root)}: the event must be a set of 'key: value' lines"]
        )
    fields = checker.mapping(root, "the event", TOP_KEYS)

    title = kind = starts = ends = None
    if (found := _required(checker, fields, root, "title", "")) is not None:
        title = checker.text(found, "title", limit=MAX_TITLE, lines=False)
    if (
        found := _required(checker, fields, root, "kind", "", f" ({', '.join(KINDS)})")
    ) is not None:
        kind = checker.choice(found, "kind", KINDS)
    description = _optional_text(
        checker, fields, "description", "description", limit=MAX_DESCRIPTION, lines=True
    )
    example = " (e.g. 2027-05-11 10:00)"
    if (found := _required(checker, fields, root, "starts", "", example)) is not None:
        starts = checker.moment(found, "starts", exact=True)
    if (found := _required(checker, fields, root, "ends", "", example)) is not None:
        ends = checker.moment(found, "ends", exact=True)
    if starts is not None and ends is not None and ends <= starts:
        checker.add(fields["ends"], "ends must be after starts")
    if now is not None and starts is not None:
        now = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
        if starts <= now:
            checker.add(fields["starts"], "starts must be in the future")

    before = len(checker.problems)
    place: dict[str, Node] = {}
    if "venue" in fields:
        place = checker.mapping(fields["venue"], "venue", VENUE_KEYS)
    venue = Venue(
        name=_optional_text(checker, place, "name", "venue: name", limit=MAX_VENUE_NAME),
        address=_optional_text(checker, place, "address", "venue: address", limit=MAX_ADDRESS),
        map_url=_optional_link(checker, place, "map", "venue: map"),
        online_url=_optional_link(checker, fields, "online", "online"),
    )
    if len(checker.problems) == before and venue.name is None and venue.online_url is None:
        checker.add(
            fields.get("venue", root),
            "give a venue name (venue: name: …) or an online link (online: https://…), or both",
        )

    capacity = rsvp_deadline = None
    if "capacity" in fields:
        capacity = checker.whole(fields["capacity"], "capacity", low=1, high=MAX_CAPACITY)
    if "rsvp_deadline" in fields:
        rsvp_deadline = checker.moment(fields["rsvp_deadline"], "rsvp_deadline", exact=True)
        if rsvp_deadline is not None and ends is not None and rsvp_deadline >= ends:
            checker.add(fields["rsvp_deadline"], "rsvp_deadline must be before the event ends")
    guest = None
    if "guest" in fields:
        guest = checker.boolean(fields["guest"], "guest")
    audience: dict[str, list[str]] = {}
    if "audience" in fields:
        audience = checker.audience(fields["audience"], AUDIENCE_CODES)

    sessions: list[NewSession] = []
    if "sessions" in fields and not _blank(fields["sessions"]):
        listed = fields["sessions"]
        if not isinstance(listed, SequenceNode):
            checker.add(listed, "sessions must be a list (lines starting with '- ')")
        else:
            if len(listed.value) > MAX_SESSIONS:
                checker.add(listed, f"an event has at most {MAX_SESSIONS} sessions")
            for number, item in enumerate(listed.value, start=1):
                session = _session(checker, item, number, starts, ends)
                if session is not None:
                    sessions.append(session)

    if checker.problems:
        raise DefinitionError(by_line(checker.problems))
    assert title is not None and kind is not None and starts is not None and ends is not None
    return NewEvent(
        title=title,
        description=description or "",
        kind=EventKind(kind),
        starts_at=starts,
        ends_at=ends,
        venue=venue,
        capacity=capacity,
        rsvp_deadline=rsvp_deadline,
        allow_guest=bool(guest),
        audience=audience,
        sessions=tuple(sessions),
        time_zone=LOCAL_ZONE.key,
    )


_EXAMPLE_YEAR = "2027"
_EXAMPLE = """\
title: Festival voor Modern Werkenden
kind: festival              # festival | bijeenkomst | platform
description: |
  De Dag van de Modern Werkenden: workshops, gesprekken en muziek voor iedereen die
  werkt als zzp'er, in loondienst of allebei. Met lunch; neem gerust iemand mee.
starts: 2027-05-11 10:00    # Dutch time (Europe/Amsterdam); an explicit offset like 2027-05-11 10:00+02:00 is allowed
ends: 2027-05-11 17:00
venue:                      # a venue, an online link, or both
  name: Seats2meet Utrecht CS
  address: Moreelsepark 65, 3511 EP Utrecht
  map: https://www.openstreetmap.org/?mlat=52.0893&mlon=5.1101
online: https://meet.example.org/festival
capacity: 500               # optional: no limit without it
rsvp_deadline: 2027-05-09 23:59   # optional
guest: true                 # optional: members may bring one guest (+1), counted in the capacity
audience:                   # optional: all members without it, or a segment
  work_situation: [zzp, combinatie]
  province: [utrecht]
  kind: [deelnemer]
sessions:                   # optional programme
  - title: Workshop Pensioen voor zzp'ers
    starts: 2027-05-11 11:00
    ends: 2027-05-11 12:00
    room: Zaal 1
    capacity: 40
    description: Wat regel je zelf, en wat kun je samen regelen? Met rekenvoorbeelden.
"""
"""The example of the module docstring (a test keeps the two the same)."""


def example_event_file(*, now: datetime | None = None) -> str:
    """The example of the module docstring, on the first 11 May whose sign-up deadline
    (9 May, 23:59 Dutch time) is still ahead of ``now`` (default: the clock's now)."""
    now = now or utcnow()
    now = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    year = now.astimezone(LOCAL_ZONE).year
    if datetime(year, 5, 9, 23, 59, tzinfo=LOCAL_ZONE) <= now:
        year += 1
    return _EXAMPLE.replace(f"{_EXAMPLE_YEAR}-", f"{year}-")
