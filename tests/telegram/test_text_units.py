"""Telegram counts UTF-16 code units: the splitting, ``render`` and ``fits``, without a server.

The properties hold for any text (hypothesis); the fake Bot API's own limit check, written
apart from the adapter's, must accept every message ``render`` makes.
"""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters._text import Measure, split, utf16_length
from bot.adapters.telegram._keyboards import (
    MAX_CAPTION,
    MAX_TEXT,
    PLACEHOLDER,
    chunks,
    fits,
    keyboard,
    render,
)
from bot.core.types import Attachment, Button, Reply
from tests.support.splitting import assert_pieces_of
from tests.telegram.fake_bot_api import limit_violation

UNITS = Measure.UTF16_UNITS
PNG = Attachment("chart.png", b"\x89PNG\r\n\x1a\n", "image/png")

# Text that makes splitting hard: astral emoji (2 units), marks that belong to the
# character before them, flags, joined emoji, and the separators the splitter looks for.
TRICKY = [
    "😀",
    "👍🏽",
    "🇳🇱",
    "👩\u200d👩\u200d👧",
    "e\u0301",
    "\u200d",
    "\ufe0f",
    "\n",
    " ",
    "\t",
    "a",
    "é",
    "€",
]
texts = st.text(
    alphabet=st.one_of(st.characters(), st.sampled_from([c for s in TRICKY for c in s])),
    max_size=300,
)
tricky_texts = st.lists(st.sampled_from(TRICKY), max_size=400).map("".join)
lone_surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, exclude_categories=())


@given(text=st.one_of(texts, tricky_texts), limit=st.integers(min_value=2, max_value=40))
@settings(
    database=None, deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow]
)
def test_every_piece_fits_and_nothing_is_lost(text: str, limit: int) -> None:
    pieces = split(text, limit, UNITS)
    assert all(0 < utf16_length(piece) <= limit for piece in pieces)
    assert all(piece == piece.strip() for piece in pieces)
    assert_pieces_of(text, pieces)
    if not any("\ud800" <= char <= "\udfff" for char in text):
        for piece in pieces:  # no surrogate pair cut in half: every piece encodes strictly
            piece.encode("utf-16-le")


WHOLE = [unit for unit in TRICKY if unit not in ("\u200d", "\ufe0f")]
"""Characters as a reader sees them: a cut may fall between these, never inside one."""


@given(units=st.lists(st.sampled_from(WHOLE), max_size=400), limit=st.integers(8, 40))
@settings(database=None, deadline=None, max_examples=300)
def test_cuts_fall_between_whole_characters(units: list[str], limit: int) -> None:
    text = "".join(units)
    boundaries = set(itertools.accumulate(map(len, units), initial=0))
    position = 0
    for piece in split(text, limit, UNITS):
        start = text.index(piece, position)
        assert start in boundaries and start + len(piece) in boundaries, piece
        position = start + len(piece)


@given(
    text=st.text(alphabet=lone_surrogates | st.sampled_from("a😀 "), max_size=200),
    limit=st.integers(min_value=2, max_value=20),
)
@settings(database=None, deadline=None)
def test_lone_surrogates_are_measured_and_kept(text: str, limit: int) -> None:
    pieces = split(text, limit, UNITS)
    assert all(0 < utf16_length(piece) <= limit for piece in pieces)
    assert_pieces_of(text, pieces)


@given(lines=st.lists(st.sampled_from(["😀" * 50, "Jouw Stem 📊", "", "x" * 90]), max_size=300))
@settings(database=None, deadline=None, max_examples=50)
def test_the_default_limit_is_telegrams(lines: list[str]) -> None:
    text = "\n".join(lines)
    pieces = chunks(text)
    assert all(utf16_length(piece) <= MAX_TEXT for piece in pieces)
    assert_pieces_of(text, pieces)
    # Never a piece shorter than needed: cuts fall at line breaks near the limit.
    assert all(utf16_length(piece) > MAX_TEXT // 2 - 100 for piece in pieces[:-1])


def test_emoji_are_two_units_and_never_cut_in_half() -> None:
    text = "😀" * 3000  # 3,000 code points, 6,000 UTF-16 units: too long for one message
    assert len(text) < MAX_TEXT < utf16_length(text)
    pieces = chunks(text)
    assert len(pieces) == 2 and "".join(pieces) == text
    assert [utf16_length(piece) for piece in pieces] == [4096, 6000 - 4096]


@pytest.mark.parametrize(
    "unit", ["e\u0301", "👍🏽", "🇳🇱", "👩\u200d👩\u200d👧", "❤\ufe0f", "\ud83d\ude00"]
)
def test_a_hard_cut_keeps_characters_whole(unit: str) -> None:
    text = unit * (3 * MAX_TEXT // len(unit))
    pieces = chunks(text)
    assert len(pieces) > 1 and "".join(pieces) == text
    for piece in pieces:
        assert len(piece) % len(unit) == 0 and piece.startswith(unit), piece[:8]


def test_breaks_are_preferred_to_spaces_and_spaces_to_hard_cuts() -> None:
    line = "woord " * 100  # 600 units a line
    pieces = chunks("\n".join([line.strip()] * 20))
    assert all(piece.endswith("woord") and piece.startswith("woord") for piece in pieces)
    assert all(piece.count("\n") in (5, 6) for piece in pieces[:-1])  # whole lines only
    spaced = chunks("woord " * 2000)
    assert all(piece.endswith("woord") for piece in spaced)


def test_whitespace_only_and_tiny_limits() -> None:
    assert chunks("") == [] and chunks(" \n\t ") == []
    assert chunks("  hoi  ") == ["hoi"]
    with pytest.raises(ValueError):
        split("😀", 1, UNITS)
    assert split("😀😀", 2, UNITS) == ["😀", "😀"]


# -- render and fits ---------------------------------------------------------------------

labels = st.text(max_size=30)
actions = st.text(min_size=1, max_size=64).filter(lambda a: len(a.encode()) <= 64)
rows = st.lists(
    st.lists(st.builds(Button, labels, actions), min_size=0, max_size=10), max_size=14
).map(lambda built: tuple(tuple(row) for row in built))


def _params(outgoing) -> dict[str, str]:  # what PTB sends for one rendered message
    params = {"chat_id": "42"}
    key = "text" if outgoing.attachment is None else "caption"
    if outgoing.text is not None:
        params[key] = outgoing.text
    if outgoing.markup is not None:
        params["reply_markup"] = json.dumps(outgoing.markup.to_dict())
    return params


@given(
    text=st.one_of(texts, tricky_texts, st.just("😀" * 3000)),
    buttons=rows,
    attachment=st.sampled_from([None, PNG]),
)
@settings(
    database=None, deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow]
)
def test_what_render_makes_passes_the_fakes_limits(
    text: str, buttons: tuple[tuple[Button, ...], ...], attachment: Attachment | None
) -> None:
    reply = Reply(text, buttons=buttons, attachment=attachment)
    problems = fits(reply)
    for outgoing in render(reply):
        method = "sendMessage" if outgoing.attachment is None else "sendPhoto"
        assert limit_violation(method, _params(outgoing)) is None
    total = sum(map(len, buttons))
    if text.strip() or attachment is not None or total:
        # All that fits fits; the only thing that can go wrong is too many buttons.
        assert all("left out" in problem for problem in problems)
        assert bool(problems) == (total > 100)
    else:
        assert problems == ["the reply has no text, file or buttons: nothing would be sent"]


def test_a_caption_is_measured_in_units() -> None:
    short = render(Reply("📊" * 500, attachment=PNG))  # 1,000 units: a caption
    assert [(o.text, o.attachment) for o in short] == [("📊" * 500, PNG)]
    long = render(Reply("📊" * 600, attachment=PNG))  # 600 code points but 1,200 units
    assert utf16_length(long[0].text or "") > MAX_CAPTION
    assert [(o.text, o.attachment) for o in long] == [("📊" * 600, None), (None, PNG)]
    assert fits(Reply("📊" * 600, attachment=PNG)) == []


def test_keyboard_labels_rows_and_placeholder() -> None:
    wide = tuple(Button(str(n), f"x:{n}") for n in range(20))
    markup = keyboard((wide, (Button("  ", "x:blank"),)))
    assert markup is not None
    assert [len(row) for row in markup.inline_keyboard] == [8, 8, 4, 1]
    assert markup.inline_keyboard[-1][0].text == PLACEHOLDER
    only_buttons = render(Reply("", buttons=((Button("Ja", "x:yes"),),)))
    assert [o.text for o in only_buttons] == [PLACEHOLDER] and only_buttons[0].markup
    assert fits(Reply("", buttons=((Button("Ja", "x:yes"),),))) == []
    many = tuple((Button(str(n), f"x:{n}"),) for n in range(120))
    assert fits(Reply("Kies", buttons=many)) == ["20 buttons would be left out"]


def test_fits_reports_what_telegram_would_refuse() -> None:
    assert fits(Reply("😀" * 3000)) == []  # split, so it fits
    assert fits(Reply(" \n ")) == ["the reply has no text, file or buttons: nothing would be sent"]
