"""At the door: codes people can type, links Telegram accepts, QR codes, lists to print."""

from __future__ import annotations

import base64
import csv
import io
import re
import time
import warnings
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from bot.adapters.telegram._keyboards import start_link
from bot.core.i18n import language
from cogs.events.door import (
    CSV_HEADER,
    QR_BORDER,
    QR_SCALE,
    ROWS_PER_PAGE,
    checkin_payload,
    code_from_start,
    door_list_csv,
    door_list_pages,
    door_list_pdf,
    format_code,
    new_checkin_code,
    normalize_code,
    qr_code,
    qr_png,
    short_code,
)
from storage.records.events import DoorEntry, EventKind, EventRecord, EventStatus, Venue

CODE = "mfrggzdfmztwq2lknnwg23tpoa"  # base32 of 16 bytes, a canonical code


def make_event(**changes: Any) -> EventRecord:
    event = EventRecord(
        id=7,
        uid="k3x9q2m7@werkbot",
        sequence=0,
        title="Festival Modern Werkenden",
        description="",
        kind=EventKind.FESTIVAL,
        status=EventStatus.PLANNED,
        starts_at=datetime(2027, 5, 11, 8, 0, tzinfo=UTC),
        ends_at=datetime(2027, 5, 11, 15, 0, tzinfo=UTC),
        time_zone="Europe/Amsterdam",
        venue=Venue(name="Seats2meet Utrecht CS", address="Moreelsepark 65, Utrecht"),
        capacity=None,
        rsvp_deadline=None,
        allow_guest=True,
        audience={},
        created_by=None,
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
        updated_at=datetime(2026, 11, 1, tzinfo=UTC),
    )
    return replace(event, **changes)


def entry(
    signup_id: int,
    name: str,
    *,
    guest: bool = False,
    checked_in_at: datetime | None = None,
    sessions: tuple[str, ...] = (),
) -> DoorEntry:
    return DoorEntry(
        signup_id=signup_id,
        member_id=100 + signup_id,
        name=name,
        guest=guest,
        checkin_code=new_checkin_code(),
        checked_in_at=checked_in_at,
        sessions=sessions,
    )


# -- codes ------------------------------------------------------------------------------------


def test_codes_are_unique_random_base32_and_decode_back_to_128_bits() -> None:
    codes = [new_checkin_code() for _ in range(10_000)]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert re.fullmatch(r"[a-z2-7]{26}", code)
        assert len(base64.b32decode(code.upper() + "======")) == 16
        assert normalize_code(code) == code
        assert normalize_code(format_code(code)) == code


def test_the_printed_form_is_upper_case_groups_of_four() -> None:
    assert format_code(CODE) == "MFRG-GZDF-MZTW-Q2LK-NNWG-23TP-OA"
    assert short_code(CODE) == "MFRG-GZDF"
    assert short_code(format_code(CODE)) == "MFRG-GZDF"


@pytest.mark.parametrize(
    "typed",
    [
        CODE,
        CODE.upper(),
        "MFRG-GZDF-MZTW-Q2LK-NNWG-23TP-OA",
        "mfrg gzdf mztw q2lk nnwg 23tp oa",
        "  Mfrg-Gzdf mztw-Q2LK–NNWG—23tp oa\n",
    ],
)
def test_what_people_type_or_paste_is_recognised(typed: str) -> None:
    assert normalize_code(typed) == CODE


@pytest.mark.parametrize(
    "typed",
    [
        "",
        CODE[:-1],  # too short
        CODE + "a",  # too long
        "0" + CODE[1:],  # 0, 1, 8, 9 are not base32
        "1" + CODE[1:],
        "8" + CODE[1:],
        "é" + CODE[1:],
        "!" + CODE[1:],
        CODE[:-1] + "b",  # the unused last bits are set: never issued
        "ci-" + CODE,
        "ＭＦＲＧ" + CODE[4:],  # full-width letters
    ],
)
def test_what_cannot_be_a_code_is_refused(typed: str) -> None:
    assert normalize_code(typed) is None


def test_huge_input_is_refused_without_reading_it() -> None:
    huge = CODE + "-" * 1_000_000
    started = time.perf_counter()
    for text in (huge, "a" * 1_000_000, " " * 1_000_000):
        assert normalize_code(text) is None
    assert time.perf_counter() - started < 0.5


@given(st.text())
def test_normalize_never_raises(text: str) -> None:
    result = normalize_code(text)
    assert result is None or re.fullmatch(r"[a-z2-7]{26}", result)


# -- the deep link ------------------------------------------------------------------------------


def checkin_link(username: str | None, code: str) -> str | None:
    """What the check-in QR code holds: the events' payload made a link by the Telegram adapter."""
    return start_link(username, checkin_payload(code))


def test_the_deep_link_fits_telegrams_start_parameter() -> None:
    code = new_checkin_code()
    link = checkin_link("WerkbotBot", code)  # the Telegram adapter's link of the payload
    assert link == f"https://t.me/WerkbotBot?start=ci-{code}"
    assert link is not None
    payload = link.split("?start=", 1)[1]
    assert len(payload) <= 64
    assert re.fullmatch(r"[A-Za-z0-9_-]+", payload)
    assert code_from_start(payload) == code
    assert checkin_link("@WerkbotBot", format_code(code)) == link


def test_without_a_bot_name_there_is_no_link() -> None:
    assert checkin_link(None, CODE) is None
    assert checkin_link("  ", CODE) is None


@pytest.mark.parametrize(
    ("username", "code"),
    [("werk bot", CODE), ("evil.example/x?", CODE), ("WerkbotBot", "not-a-code")],
)
def test_a_bad_bot_name_or_code_is_refused(username: str, code: str) -> None:
    with pytest.raises(ValueError):
        checkin_link(username, code)


@pytest.mark.parametrize("payload", [None, "", "ci-", "ci-0000", CODE, "xx-" + CODE, "ci-" * 30])
def test_a_start_payload_without_a_code_gives_none(payload: str | None) -> None:
    assert code_from_start(payload) is None


# -- QR ---------------------------------------------------------------------------------------


def test_the_qr_png_draws_segnos_matrix_with_a_quiet_zone() -> None:
    """There is no QR decoder installed, so the PNG is read back pixel by pixel and
    compared with segno's own matrix for the same data."""
    data = f"https://t.me/WerkbotBot?start=ci-{CODE}"
    png = qr_png(data)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert qr_png(data) == png
    symbol = qr_code(data)
    assert symbol.error == "M"
    matrix = [list(row) for row in symbol.matrix]
    size = len(matrix)
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.size == ((size + 2 * QR_BORDER) * QR_SCALE,) * 2

    def dark(column: int, row: int) -> bool:
        middle = QR_SCALE // 2
        return image.getpixel((column * QR_SCALE + middle, row * QR_SCALE + middle)) < 128

    total = size + 2 * QR_BORDER
    drawn = [[int(dark(c + QR_BORDER, r + QR_BORDER)) for c in range(size)] for r in range(size)]
    assert drawn == matrix
    quiet = [
        dark(c, r)
        for r in range(total)
        for c in range(total)
        if not (QR_BORDER <= r < QR_BORDER + size and QR_BORDER <= c < QR_BORDER + size)
    ]
    assert not any(quiet)


def test_data_too_long_for_a_qr_code_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        qr_png("x" * 10_000)
    with pytest.raises(ValueError):
        qr_png("")


# -- CSV --------------------------------------------------------------------------------------


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_the_csv_parses_back_sorted_by_name_with_dutch_columns() -> None:
    entries = [
        entry(1, "zara de Vries", sessions=("Workshop A", "Lobby; Den Haag")),
        entry(2, 'Anna, "Ans" Jansen 🎉', guest=True),
        entry(
            3,
            "Émile Bakker",
            checked_in_at=datetime(2027, 5, 11, 8, 12, tzinfo=UTC),
        ),
        entry(4, "bert Smit\nnieuwe regel"),
    ]
    data = door_list_csv(make_event(), entries)
    header, *rows = read_csv(data)
    assert header == list(CSV_HEADER) == ["naam", "gast", "code", "ingecheckt", "sessies"]
    assert [row[0] for row in rows] == [
        'Anna, "Ans" Jansen 🎉',
        "bert Smit\nnieuwe regel",
        "Émile Bakker",
        "zara de Vries",
    ]
    by_name = {row[0]: row for row in rows}
    anna = by_name['Anna, "Ans" Jansen 🎉']
    assert anna[1] == "ja" and anna[3] == "" and anna[4] == ""
    emile = by_name["Émile Bakker"]
    assert emile[1] == "nee"
    assert emile[2] == format_code(entries[2].checkin_code)
    assert normalize_code(emile[2]) == entries[2].checkin_code
    assert emile[3] == "10:12", "check-in time in Dutch (summer) time"
    assert by_name["zara de Vries"][4] == "Workshop A; Lobby; Den Haag"


def test_check_in_times_follow_winter_time_too() -> None:
    winter = make_event(
        starts_at=datetime(2026, 12, 10, 18, 30, tzinfo=UTC),
        ends_at=datetime(2026, 12, 10, 21, 0, tzinfo=UTC),
    )
    checked = entry(1, "Anna", checked_in_at=datetime(2026, 12, 10, 18, 5, tzinfo=UTC))
    (_header, row) = read_csv(door_list_csv(winter, [checked]))
    assert row[3] == "19:05"


def test_a_name_cannot_become_a_spreadsheet_formula() -> None:
    entries = [entry(1, '=HYPERLINK("https://evil.example","klik")'), entry(2, "@SUM(A1)")]
    _header, *rows = read_csv(door_list_csv(make_event(), entries))
    assert {row[0] for row in rows} == {'\'=HYPERLINK("https://evil.example","klik")', "'@SUM(A1)"}


def test_an_empty_csv_has_only_the_header() -> None:
    assert read_csv(door_list_csv(make_event(), [])) == [list(CSV_HEADER)]


# -- PDF --------------------------------------------------------------------------------------


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


def many(n: int) -> list[DoorEntry]:
    return [
        entry(
            i,
            f"Deelnemer {i:03d}",
            guest=i % 4 == 0,
            checked_in_at=datetime(2027, 5, 11, 8, 30, tzinfo=UTC) if i % 10 == 0 else None,
            sessions=("Workshop zzp en pensioen",) if i % 2 else (),
        )
        for i in range(n)
    ]


def test_120_people_make_four_numbered_pages() -> None:
    entries = many(120)
    pdf = door_list_pdf(make_event(), entries)
    assert pdf.startswith(b"%PDF-")
    assert page_count(pdf) == 4
    with language("en"):
        pages = door_list_pages(make_event(), entries)
    assert [len(page.rows) for page in pages] == [ROWS_PER_PAGE] * 3 + [15]
    assert [page.footer for page in pages] == [f"page {n} of 4" for n in range(1, 5)]
    assert [row.name for page in pages for row in page.rows] == [e.name for e in entries]
    first = pages[0]
    assert first.heading == (
        "Festival Modern Werkenden",
        "Tuesday 11 May 2027, 10:00–17:00",
        "Seats2meet Utrecht CS, Moreelsepark 65, Utrecht",
        "150 people, including 30 guests · 12 checked in",
    )
    assert first.columns == ("", "Name", "+1", "Code", "Sessions")
    row = first.rows[1]
    assert row.code == short_code(entries[1].checkin_code)
    assert re.fullmatch(r"[A-Z2-7]{4}-[A-Z2-7]{4}", row.code)
    assert (row.guest, row.checked_in, row.sessions) == (False, False, "Workshop zzp en pensioen")
    assert first.rows[0].guest and first.rows[0].checked_in
    assert all(page.note is None for page in pages)


def test_an_empty_list_is_one_page_that_says_nobody_is_coming_yet() -> None:
    pdf = door_list_pdf(make_event(), [])
    assert pdf.startswith(b"%PDF-")
    assert page_count(pdf) == 1
    with language("en"):
        (page,) = door_list_pages(make_event(), [])
    assert page.rows == ()
    assert page.note == "Nobody has signed up yet."
    assert page.footer == "page 1 of 1"
    assert page.heading[-1] == "0 people"


def test_the_date_is_written_in_the_readers_language() -> None:
    with language("nl"):
        (page,) = door_list_pages(make_event(), [])
    assert page.heading[1] == "dinsdag 11 mei 2027, 10:00–17:00"


def test_the_same_list_gives_the_same_pdf() -> None:
    entries = many(40)
    assert door_list_pdf(make_event(), entries) == door_list_pdf(make_event(), entries)


def test_hostile_names_print_without_warnings_or_math() -> None:
    entries = [
        entry(1, "Anna 🎉👩🏽‍💻 de Boer"),
        entry(2, "$\\frac{1}{0}$ Dollar $ Bill"),
        entry(3, "Tab\tNieuwe\nregel\x00"),
        entry(4, "W" * 300, sessions=("S" * 300,)),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a glyph missing from the font would warn
        pdf = door_list_pdf(make_event(title="Feest 🎉 $x$"), entries)
    assert page_count(pdf) == 1
    (page,) = door_list_pages(make_event(title="Feest 🎉 $x$"), entries)
    names = [row.name for row in page.rows]
    assert "Anna de Boer" in names
    assert "$\\frac{1}{0}$ Dollar $ Bill" in names
    assert "Tab Nieuwe regel" in names
    long = next(name for name in names if name.startswith("W"))
    assert len(long) <= 40 and long.endswith("…")
    assert page.heading[0] == "Feest $x$"


def test_a_cancelled_event_says_so_on_the_list() -> None:
    with language("en"):
        (page,) = door_list_pages(make_event(status=EventStatus.CANCELLED), [])
    assert page.heading[0] == "Festival Modern Werkenden (cancelled)"
