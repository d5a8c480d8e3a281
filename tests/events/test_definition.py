"""The event file: the example parses; every mistake names its line; nothing odd raises."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cogs.events.definition as definition
from bot.core.yamlfile import DefinitionError
from cogs.events.definition import example_event_file, parse_event_file
from storage.records.events import EventKind

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_the_example_in_the_docstring_is_the_example_that_parses() -> None:
    assert definition._EXAMPLE.strip() in (definition.__doc__ or "").replace("```yaml\n", "")
    event = parse_event_file(example_event_file(now=NOW).encode(), now=NOW)
    assert event.kind is EventKind.FESTIVAL and event.capacity == 500 and event.allow_guest
    assert event.starts_at == datetime(2027, 5, 11, 8, 0, tzinfo=UTC)  # 10:00 summer time
    assert [session.room for session in event.sessions] == ["Zaal 1"]
    assert event.audience["province"] == ["utrecht"]


def problems_of(text: str) -> list[str]:
    with pytest.raises(DefinitionError) as raised:
        parse_event_file(text.encode(), now=NOW)
    return raised.value.problems


def test_every_mistake_is_named_by_its_line_in_file_order() -> None:
    problems = problems_of(
        "title: Ledenavond\n"
        "kind: feest\n"
        "startss: 2027-01-10 19:00\n"
        "ends: 2027-01-10 18:00\n"
        "capacity: 0\n"
        "venue:\n"
        "  name: De Werkplaats\n"
    )
    lines = [int(problem.split(":", 1)[0].removeprefix("line ")) for problem in problems]
    assert lines == sorted(lines)
    text = "\n".join(problems)
    assert "line 2:" in text and "kind" in text
    assert "line 3: unknown key 'startss'" in text
    assert "capacity" in text and "line 5:" in text


def test_times_that_do_not_exist_or_happen_twice_are_refused() -> None:
    base = "title: X\nkind: bijeenkomst\nvenue:\n  name: Y\n"
    skipped = problems_of(base + "starts: 2027-03-28 02:30\nends: 2027-03-28 04:00\n")
    assert any("line 5" in problem for problem in skipped)
    twice = problems_of(base + "starts: 2027-10-31 02:30\nends: 2027-10-31 04:00\n")
    assert any("line 5" in problem for problem in twice)
    explicit = parse_event_file(
        (base + "starts: 2027-10-31 02:30+01:00\nends: 2027-10-31 04:00\n").encode(), now=NOW
    )
    assert explicit.starts_at == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)


def test_years_1_and_9999_and_past_starts_are_refused() -> None:
    base = "title: X\nkind: bijeenkomst\nvenue:\n  name: Y\n"
    for starts in ("0001-01-01 10:00", "9999-12-31 23:59", "2020-01-01 10:00"):
        assert problems_of(base + f"starts: {starts}\nends: 2027-01-01 10:00\n")


def test_a_session_outside_the_event_is_refused() -> None:
    text = (
        "title: X\nkind: festival\nvenue:\n  name: Y\n"
        "starts: 2027-05-11 10:00\nends: 2027-05-11 17:00\n"
        "sessions:\n  - title: Te laat\n    starts: 2027-05-11 16:30\n    ends: 2027-05-11 18:00\n"
    )
    assert any("line" in problem for problem in problems_of(text))


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_any_bytes_give_an_event_or_a_definition_error(data: bytes) -> None:
    try:
        parse_event_file(data, now=NOW)
    except DefinitionError as problem:
        assert problem.problems and all(isinstance(line, str) for line in problem.problems)
