"""The .ics file: the right local time in every calendar app, updates replace, texts survive."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from icalendar import Calendar

from bot.core.i18n import language
from cogs.events.calendar import PRODID, event_ics, ics_filename, session_uid
from storage.records.events import (
    EventKind,
    EventRecord,
    EventStatus,
    SessionRecord,
    Venue,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def make_event(**changes: Any) -> EventRecord:
    event = EventRecord(
        id=7,
        uid="k3x9q2m7@werkbot",
        sequence=0,
        title="Festival Modern Werkenden",
        description="De Dag van de Modern Werkenden.",
        kind=EventKind.FESTIVAL,
        status=EventStatus.PLANNED,
        starts_at=datetime(2027, 5, 11, 8, 0, tzinfo=UTC),
        ends_at=datetime(2027, 5, 11, 15, 0, tzinfo=UTC),
        time_zone="Europe/Amsterdam",
        venue=Venue(
            name="Seats2meet Utrecht CS",
            address="Moreelsepark 65, 3511 EP Utrecht",
            map_url="https://maps.example.org/s2m",
        ),
        capacity=200,
        rsvp_deadline=None,
        allow_guest=True,
        audience={},
        created_by="telegram:1",
        created_at=datetime(2026, 11, 1, 9, 0, tzinfo=UTC),
        updated_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
    )
    return replace(event, **changes)


def make_session(session_id: int, hour_utc: int, **changes: Any) -> SessionRecord:
    session = SessionRecord(
        id=session_id,
        event_id=7,
        title=f"Workshop {session_id}",
        starts_at=datetime(2027, 5, 11, hour_utc, 0, tzinfo=UTC),
        ends_at=datetime(2027, 5, 11, hour_utc + 1, 0, tzinfo=UTC),
        room=f"Zaal {session_id}",
        capacity=30,
        description=None,
    )
    return replace(session, **changes)


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def vevents(calendar: Calendar) -> list[Any]:
    return list(calendar.walk("VEVENT"))


def utc(value: Any) -> datetime:
    moment = value.dt
    assert isinstance(moment, datetime) and moment.tzinfo is not None
    return moment.astimezone(UTC)


def test_a_may_event_is_local_summer_time_and_round_trips_to_the_same_utc_instants() -> None:
    data = event_ics(make_event())
    assert b"DTSTART;TZID=Europe/Amsterdam:20270511T100000\r\n" in data
    assert b"DTEND;TZID=Europe/Amsterdam:20270511T170000\r\n" in data
    (event,) = vevents(parse(data))
    assert utc(event["DTSTART"]) == datetime(2027, 5, 11, 8, 0, tzinfo=UTC)
    assert utc(event["DTEND"]) == datetime(2027, 5, 11, 15, 0, tzinfo=UTC)


def test_a_december_evening_is_local_winter_time() -> None:
    december = make_event(
        starts_at=datetime(2026, 12, 10, 18, 30, tzinfo=UTC),
        ends_at=datetime(2026, 12, 10, 21, 0, tzinfo=UTC),
    )
    data = event_ics(december)
    assert b"DTSTART;TZID=Europe/Amsterdam:20261210T193000\r\n" in data
    (event,) = vevents(parse(data))
    assert utc(event["DTSTART"]) == datetime(2026, 12, 10, 18, 30, tzinfo=UTC)
    assert event["DTSTART"].dt.replace(tzinfo=None) == datetime(2026, 12, 10, 19, 30)


def test_the_calendar_has_its_header_and_a_vtimezone_with_standard_and_daylight_parts() -> None:
    calendar = parse(event_ics(make_event()))
    assert str(calendar["PRODID"]) == PRODID == "-//De Werkvereniging//Werkbot//NL"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    names = [component.name for component in calendar.subcomponents]
    assert names == ["VTIMEZONE", "VEVENT"], "the zone comes before what uses it"
    (zone,) = calendar.timezones
    assert zone.tz_name == "Europe/Amsterdam"
    assert zone.standard and zone.daylight
    assert {str(p["TZNAME"]) for p in zone.daylight} == {"CEST"}
    assert {p["TZOFFSETTO"].td for p in zone.daylight} == {timedelta(hours=2)}
    assert {p["TZOFFSETTO"].td for p in zone.standard} == {timedelta(hours=1)}


@pytest.mark.parametrize(
    ("local", "offset"),
    [(datetime(2027, 5, 11, 10, 0), 2), (datetime(2027, 12, 10, 19, 30), 1)],
)
def test_the_vtimezone_alone_gives_the_right_offsets(local: datetime, offset: int) -> None:
    """What Outlook does: it reads our VTIMEZONE rather than its own tz database."""
    event = make_event(
        starts_at=local.replace(tzinfo=AMSTERDAM).astimezone(UTC),
        ends_at=(local + timedelta(hours=2)).replace(tzinfo=AMSTERDAM).astimezone(UTC),
    )
    (zone,) = parse(event_ics(event)).timezones
    own = zone.to_tz(lookup_tzid=False)
    assert local.replace(tzinfo=own).utcoffset() == timedelta(hours=offset)


def test_dtstamp_is_now_in_utc() -> None:
    with time_machine.travel(datetime(2026, 11, 28, 12, 34, 56, tzinfo=UTC), tick=False):
        data = event_ics(make_event())
    assert b"DTSTAMP:20261128T123456Z\r\n" in data


def test_a_changed_event_keeps_its_uid_and_gets_a_higher_sequence() -> None:
    first = make_event(sequence=3)
    moved = replace(
        first,
        sequence=first.sequence + 1,
        starts_at=first.starts_at + timedelta(hours=1),
        ends_at=first.ends_at + timedelta(hours=1),
    )
    (before,) = vevents(parse(event_ics(first)))
    (after,) = vevents(parse(event_ics(moved)))
    assert str(before["UID"]) == str(after["UID"]) == "k3x9q2m7@werkbot"
    assert before["SEQUENCE"] == 3
    assert after["SEQUENCE"] == 4 > before["SEQUENCE"]
    assert utc(after["DTSTART"]) == datetime(2027, 5, 11, 9, 0, tzinfo=UTC)
    assert str(before["STATUS"]) == "CONFIRMED"


def test_a_cancelled_event_says_cancel_everywhere() -> None:
    cancelled = make_event(status=EventStatus.CANCELLED, sequence=5)
    data = event_ics(cancelled, [make_session(1, 9)])
    assert b"METHOD:CANCEL\r\n" in data
    calendar = parse(data)
    assert str(calendar["METHOD"]) == "CANCEL"
    for event in vevents(calendar):
        assert str(event["STATUS"]) == "CANCELLED"
        assert event["SEQUENCE"] == 5


def test_commas_semicolons_newlines_and_emoji_survive_the_round_trip() -> None:
    title = "Feest; werk, zorg & studie 🎉 — “Modern Werkenden” \\ back"
    description = "Regel één, met komma\nRegel twee; met puntkomma\n\nEmoji: 🚲🌷 en 👩🏽‍💻"
    venue = Venue(name="Café ‘De Zaak’, zaal 2", address="Oudegracht 1; Utrecht")
    data = event_ics(make_event(title=title, description=description, venue=venue))
    (event,) = vevents(parse(data))
    assert str(event["SUMMARY"]) == title
    assert str(event["DESCRIPTION"]) == description
    assert str(event["LOCATION"]) == "Café ‘De Zaak’, zaal 2, Oudegracht 1; Utrecht"


def test_lines_are_folded_at_75_octets_without_splitting_a_character() -> None:
    long = "Een lange beschrijving met emoji 🎉 en accenten é ü ø " * 12
    data = event_ics(make_event(title="Lang " * 40, description=long))
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in lines), max(lines, key=len)
    assert any(line.startswith(b" ") for line in lines), "long texts are folded"
    for line in lines:
        line.decode("utf-8")  # no multi-octet character is cut in two
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_control_characters_are_left_out() -> None:
    data = event_ics(make_event(title="Fes\x00tival\x1b", description="a\r\nb\rc\x07"))
    (event,) = vevents(parse(data))
    assert str(event["SUMMARY"]) == "Festival"
    assert str(event["DESCRIPTION"]) == "a\nb\nc"
    assert re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", data) is None


def test_location_and_url_come_from_the_venue() -> None:
    (event,) = vevents(parse(event_ics(make_event())))
    assert str(event["LOCATION"]) == "Seats2meet Utrecht CS, Moreelsepark 65, 3511 EP Utrecht"
    assert str(event["URL"]) == "https://maps.example.org/s2m"


def test_an_online_link_goes_in_the_description_and_wins_the_url() -> None:
    venue = Venue(
        name="Seats2meet Utrecht CS",
        map_url="https://maps.example.org/s2m",
        online_url="https://meet.example.org/festival?pw=a,b;c",
    )
    with language("en"):
        (event,) = vevents(parse(event_ics(make_event(venue=venue))))
    assert str(event["URL"]) == "https://meet.example.org/festival?pw=a,b;c"
    assert str(event["DESCRIPTION"]) == (
        "De Dag van de Modern Werkenden.\n\nJoin online: https://meet.example.org/festival?pw=a,b;c"
    )


def test_an_online_only_event_is_located_online() -> None:
    with language("en"):
        (event,) = vevents(
            parse(event_ics(make_event(venue=Venue(online_url="https://meet.example.org/x"))))
        )
    assert str(event["LOCATION"]) == "Online"


def test_a_link_that_could_break_the_file_is_left_out() -> None:
    venue = Venue(
        name="Zaal",
        map_url="https://maps.example.org/a\r\nATTENDEE:mailto:x@example.org",
        online_url="javascript:alert(1)",
    )
    data = event_ics(make_event(venue=venue, description=""))
    (event,) = vevents(parse(data))
    assert "URL" not in event
    assert "DESCRIPTION" not in event
    assert b"ATTENDEE" not in data


def test_sessions_become_their_own_events_with_their_own_uid() -> None:
    event = make_event(sequence=2)
    workshop, talk = make_session(11, 12), make_session(12, 9, room=None)
    data = event_ics(event, [workshop, talk, workshop])
    main, first, second = vevents(parse(data))
    assert str(main["UID"]) == "k3x9q2m7@werkbot"
    uids = [str(v["UID"]) for v in (main, first, second)]
    assert len(set(uids)) == 3
    assert uids[1:] == ["k3x9q2m7-session-12@werkbot", "k3x9q2m7-session-11@werkbot"]
    assert [session_uid(event, talk), session_uid(event, workshop)] == uids[1:]
    # stable: the same UID in the next file
    assert [str(v["UID"]) for v in vevents(parse(event_ics(event, [workshop])))][1] == uids[2]
    assert str(second["SUMMARY"]) == "Workshop 11"
    assert utc(second["DTSTART"]) == datetime(2027, 5, 11, 12, 0, tzinfo=UTC)
    assert b"DTSTART;TZID=Europe/Amsterdam:20270511T140000\r\n" in data
    assert str(second["LOCATION"]) == (
        "Zaal 11, Seats2meet Utrecht CS, Moreelsepark 65, 3511 EP Utrecht"
    )
    assert str(first["LOCATION"]) == "Seats2meet Utrecht CS, Moreelsepark 65, 3511 EP Utrecht"
    for part in (first, second):
        assert part["SEQUENCE"] == 2
        assert str(part["STATUS"]) == "CONFIRMED"
        assert "Festival Modern Werkenden" in str(part["DESCRIPTION"])


def test_a_session_of_another_event_is_refused() -> None:
    with pytest.raises(ValueError, match="belongs to event 8"):
        event_ics(make_event(), [make_session(3, 9, event_id=8)])


def test_an_unknown_time_zone_falls_back_to_dutch_time() -> None:
    data = event_ics(make_event(time_zone="Europe/Atlantis"))
    assert b"DTSTART;TZID=Europe/Amsterdam:20270511T100000\r\n" in data


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        event_ics(make_event(starts_at=datetime(2027, 5, 11, 10, 0)))


def test_an_event_over_new_year_has_a_zone_for_both_years() -> None:
    event = make_event(
        starts_at=datetime(2026, 12, 31, 20, 0, tzinfo=UTC),
        ends_at=datetime(2027, 1, 1, 2, 0, tzinfo=UTC),
    )
    calendar = parse(event_ics(event))
    (vevent,) = vevents(calendar)
    assert utc(vevent["DTEND"]) == datetime(2027, 1, 1, 2, 0, tzinfo=UTC)
    own = calendar.timezones[0].to_tz(lookup_tzid=False)
    assert datetime(2027, 7, 1, 12, 0, tzinfo=own).utcoffset() == timedelta(hours=2)


def test_file_names_are_ascii_safe_and_carry_the_local_date() -> None:
    assert ics_filename(make_event()) == "festival-modern-werkenden-2027-05-11.ics"
    # 00:30 in Utrecht on 11 May is still 10 May in UTC
    late = make_event(title="Café Über-Nacht!", starts_at=datetime(2027, 5, 10, 22, 30, tzinfo=UTC))
    assert ics_filename(late) == "cafe-uber-nacht-2027-05-11.ics"
    assert ics_filename(make_event(title="🎉🎉")) == "evenement-7-2027-05-11.ics"
    assert ics_filename(make_event(title="../../etc/passwd\x00")) == "etc-passwd-2027-05-11.ics"
    long = ics_filename(make_event(title="Bijeenkomst " * 20))
    assert re.fullmatch(r"[a-z0-9-]+\.ics", long)
    assert len(long) <= 60 + len("-2027-05-11.ics")
    assert not long.startswith("-") and "--" not in long
