"""The Meetlat scorecard PNG: portrait, the same bytes for the same card, no scores behind
a placeholder, and no crash or warning on odd texts or many rows."""

from __future__ import annotations

import dataclasses
import struct
import warnings
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.meetlat.scorecard import Scorecard, ScorecardRow, scorecard_png

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

ROWS = (
    ScorecardRow("Flexibiliteit", 3.74, 12, 0.9),
    ScorecardRow("Keuzevrijheid", 3.42, 12, 1.1),
    ScorecardRow("Transparantie", 2.81, 11, 1.3),
    ScorecardRow("Autonomie", 4.12, 12, 0.6),
    ScorecardRow("Weinig bureaucratie", 2.35, 10, 1.4),
    ScorecardRow("Eerlijke beloning", None, 0, None),
)
CARD = Scorecard(
    title="Zorgpunt Thuiszorg Noord",
    subtitle="Dienst · Zorg · sponsor",
    overall=3.29,
    overall_label="Totaal",
    rows=ROWS,
    mark="Sociaal Keurmerk Basis",
    footer="Meetlat methode v2 · 27 raters · 28-11-2026 · n per criterium, ± spreiding",
)


def size_of(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, after checking the signature."""
    assert png[:8] == PNG_SIGNATURE and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_a_phone_sized_portrait_png() -> None:
    assert size_of(scorecard_png(CARD)) == (1080, 1350)


def test_the_same_card_gives_the_same_bytes() -> None:
    assert scorecard_png(CARD) == scorecard_png(dataclasses.replace(CARD))


def test_the_png_carries_no_software_or_date() -> None:
    png = scorecard_png(CARD)
    assert b"tEXt" not in png and b"tIME" not in png and b"iTXt" not in png


def test_the_scores_are_drawn() -> None:
    changed = (dataclasses.replace(ROWS[0], score=1.5), *ROWS[1:])
    assert scorecard_png(CARD) != scorecard_png(dataclasses.replace(CARD, rows=changed))
    assert scorecard_png(CARD) != scorecard_png(dataclasses.replace(CARD, overall=4.0))


def test_a_placeholder_shows_no_score_at_all() -> None:
    text = "Nog geen score: minder dan 5 beoordelaars"
    first = dataclasses.replace(CARD, placeholder=text)
    other = dataclasses.replace(
        CARD, placeholder=text, rows=ROWS[::-1] * 5, overall=None, mark="Sociaal Keurmerk Plus"
    )
    png = scorecard_png(first)
    assert png == scorecard_png(other)
    assert png != scorecard_png(
        dataclasses.replace(first, rows=(), overall=None, mark=None, placeholder=None)
    )
    assert size_of(png) == (1080, 1350)


@pytest.mark.parametrize(
    "title",
    [
        "🚀🔥 Tool met emoji 👩‍💻",
        "שלום עולם · مرحبا بالعالم",
        "W" * 120,
        " ".join(["Langenaam"] * 12)[:120],
        "$x^2$ \\frac{1}{0} $ _{ ^ \n\t\r\x00 einde",
        "",
    ],
)
def test_odd_titles_and_many_rows_render_without_warning(title: str) -> None:
    rows = tuple(
        ScorecardRow(
            f"Criterium {i} 🧪 " + "lang " * 11, None if i % 7 == 0 else 1 + i % 5, i * 999, 0.5
        )
        for i in range(30)
    )
    card = dataclasses.replace(
        CARD, title=title, subtitle=title, overall_label=title, mark=title or None, rows=rows
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert size_of(scorecard_png(card)) == (1080, 1350)
        assert size_of(scorecard_png(dataclasses.replace(card, rows=rows[:10]))) == (1080, 1350)


def test_no_rows_and_no_scores_render() -> None:
    empty = dataclasses.replace(CARD, rows=(), overall=None, mark=None, footer="")
    assert size_of(scorecard_png(empty)) == (1080, 1350)
    blank = tuple(ScorecardRow(row.label, None, 0, None) for row in ROWS)
    assert size_of(scorecard_png(dataclasses.replace(empty, rows=blank))) == (1080, 1350)


def test_threads_draw_the_same_bytes() -> None:
    cards = [CARD, dataclasses.replace(CARD, rows=ROWS * 5), dataclasses.replace(CARD, mark=None)]
    expected = [scorecard_png(card) for card in cards]
    with ThreadPoolExecutor(max_workers=3) as pool:
        assert list(pool.map(scorecard_png, cards * 2)) == expected * 2


rows_strategy = st.lists(
    st.builds(
        ScorecardRow,
        label=st.text(max_size=60),
        score=st.none() | st.floats(1.0, 5.0),
        n=st.integers(0, 10**6),
        spread=st.none() | st.floats(0.0, 3.0),
    ),
    max_size=30,
).map(tuple)


@settings(database=None, deadline=None, max_examples=25)
@given(rows=rows_strategy, overall=st.none() | st.floats(1.0, 5.0))
def test_any_rows_give_a_valid_png(rows: tuple[ScorecardRow, ...], overall: float | None) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = scorecard_png(dataclasses.replace(CARD, rows=rows, overall=overall))
    assert size_of(png) == (1080, 1350)
    assert png.endswith(b"IEND\xaeB`\x82")
