"""Measuring, splitting and shortening texts the way a platform counts them.

Platforms count differently: Telegram counts UTF-16 code units, so every character
outside the Basic Multilingual Plane (most emoji, 😀) is two units and a reply of 4,000
emoji is 8,000 units, which Telegram refuses with "message is too long"; Discord counts
Unicode code points, as Python's ``len`` does (Discord's staff in
https://github.com/discord/discord-api-docs/issues/1315: "Our API uses Python 3, so the
API calculates length based on the number of codepoints"). Each adapter passes its own
measure; the splitting is the same for both. A text is only ever cut between whole
characters: never inside a surrogate pair, and where possible not between a character and
what belongs to it (an accent, a skin tone, the halves of a flag, the parts of a joined
emoji).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from enum import Enum

from bot.core.markup import Span, cut, ends, visible

_ZWJ = "\u200d"
_MAX_BACKOFF = 32
"""How far a hard cut may move back to keep a character whole; beyond that (a "character"
of hundreds of combining marks) it cuts anyway, so every piece still makes progress."""


class Measure(Enum):
    """How a platform counts the length of a text."""

    CODE_POINTS = "code points"
    UTF16_UNITS = "UTF-16 units"

    def length(self, text: str) -> int:
        if self is Measure.CODE_POINTS:
            return len(text)
        return utf16_length(text)


def utf16_length(text: str) -> int:
    """Telegram's length of ``text``: UTF-16 code units (a lone surrogate counts as one)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def _is_regional_indicator(char: str) -> bool:
    return "\U0001f1e6" <= char <= "\U0001f1ff"


def _belongs_to_previous(char: str) -> bool:
    """Marks that modify the character before them and make no sense on their own."""
    return (
        char == _ZWJ
        or unicodedata.category(char) in ("Mn", "Me", "Mc")
        or "\ufe00" <= char <= "\ufe0f"  # variation selectors (text or emoji style)
        or "\U0001f3fb" <= char <= "\U0001f3ff"  # skin tones
        or "\U000e0020" <= char <= "\U000e007f"  # tags (subdivision flags)
        or "\U000e0100" <= char <= "\U000e01ef"  # variation selectors supplement
    )


def _inside_character(text: str, index: int) -> bool:
    """Would a cut before ``text[index]`` split what a reader sees as one character?"""
    char, before = text[index], text[index - 1]
    if _belongs_to_previous(char) or before == _ZWJ:
        return True
    if "\ud800" <= before <= "\udbff" and "\udc00" <= char <= "\udfff":
        return True  # the two halves of a surrogate pair kept as two code points
    if _is_regional_indicator(char) and _is_regional_indicator(before):
        run = 0  # flags are pairs: inside one when an odd number of indicators precede
        while index - run - 1 >= 0 and _is_regional_indicator(text[index - run - 1]):
            run += 1
        return run % 2 == 1
    return False


def _fitting_end(text: str, start: int, limit: int, measure: Measure) -> int:
    """The largest ``end`` such that ``text[start:end]`` is at most ``limit`` long."""
    if measure is Measure.CODE_POINTS:
        return min(start + limit, len(text))
    total = 0
    for index in range(start, len(text)):
        total += _units(text[index])
        if total > limit:
            return index
    return len(text)


def _cut(text: str, start: int, end: int) -> int:
    """Where to end the piece ``text[start:…]``, given that ``text[start:end]`` fits: at a
    line break, a space, or else between two whole characters; ``start < cut <= end``."""
    if text[end] == "\n":
        return end  # the break right after what fits: nothing is lost but the break
    floor = start + (end - start) // 2  # further back leaves a short piece: cut harder
    for separator in ("\n", " "):
        found = text.rfind(separator, start, end)
        if found > start and found >= floor:
            return found
    if text[end] == " ":
        return end
    return _whole(text, start, end)


def _whole(text: str, start: int, end: int) -> int:
    """``end``, moved back a little (not to ``start``) so as not to cut a character in two."""
    cut = end
    while cut > max(start + 1, end - _MAX_BACKOFF) and _inside_character(text, cut):
        cut -= 1
    return end if _inside_character(text, cut) else cut


def split(text: str, limit: int, measure: Measure = Measure.CODE_POINTS) -> list[str]:
    """``text`` in pieces of at most ``limit`` (in ``measure``), cut at line breaks, else
    at spaces, else between whole characters.

    Whitespace around each piece is dropped (both platforms trim a message anyway), so no
    piece is empty, and the pieces with the dropped whitespace between them give back
    ``text``. A text of only whitespace gives no pieces.
    """
    return [text[start:end] for start, end in split_positions(text, limit, measure)]


def split_positions(
    text: str, limit: int, measure: Measure = Measure.CODE_POINTS
) -> list[tuple[int, int]]:
    """Where :func:`split` cuts: ``(start, end)`` of each piece in ``text``."""
    if limit < measure.length("\U0001f600"):
        raise ValueError(f"a limit of {limit} {measure.value} cannot hold every character")
    pieces: list[tuple[int, int]] = []
    start, stop = 0, len(text.rstrip())
    while True:
        while start < stop and text[start].isspace():
            start += 1
        if start >= stop:
            return pieces
        end = _fitting_end(text, start, limit, measure)  # reads one piece: linear overall
        if end >= stop:
            pieces.append((start, stop))
            return pieces
        cut = _cut(text, start, end)
        pieces.append((start, start + len(text[start:cut].rstrip())))
        start = cut


def split_spans(
    spans: Sequence[Span],
    limit: int,
    measure: Measure = Measure.CODE_POINTS,
    size: Callable[[list[Span]], int] | None = None,
) -> list[list[Span]]:
    """Formatted text (``bot.core.markup`` spans) in pieces, each rendered on its own, so
    every piece closes the styles it opens and the next one opens them again.

    The visible text is cut as :func:`split` cuts it (``limit`` in ``measure``: what
    Telegram counts, after its entity parsing). Where the platform counts the rendered
    text instead (Discord: markers, escapes and link targets count too), ``size`` gives
    that length, and a piece that comes out longer than ``limit`` is cut again, shorter,
    until it fits or holds a single character (the caller must then simplify it).
    """
    text = visible(spans)
    span_ends = ends(spans)
    smallest = measure.length("\U0001f600")
    pending = list(reversed(split_positions(text, limit, measure)))
    pieces: list[list[Span]] = []
    while pending:
        start, end = pending.pop()
        piece = cut(spans, start, end, span_ends)
        rendered = size(piece) if size is not None else 0
        length = measure.length(text[start:end])
        if rendered <= limit or length <= smallest:
            pieces.append(piece)
            continue
        shorter = max(smallest, min(length - 1, length * limit // rendered))
        inner = split_positions(text[start:end], shorter, measure)
        pending.extend((start + a, start + b) for a, b in reversed(inner))
    return pieces


def shorten(
    text: str, limit: int, measure: Measure = Measure.CODE_POINTS, ellipsis: str = "…"
) -> str:
    """``text`` in at most ``limit`` (in ``measure``), cut between whole characters and
    ended with ``ellipsis`` when something was left out."""
    if measure.length(text) <= limit:
        return text
    room = limit - measure.length(ellipsis)
    if room < 1:
        return text[: _fitting_end(text, 0, limit, measure)]
    end = _fitting_end(text, 0, room, measure)
    kept = text[: _whole(text, 0, end)].rstrip() or text[:end]
    return kept + ellipsis
