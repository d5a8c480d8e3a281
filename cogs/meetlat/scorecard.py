"""One PNG scorecard per rated item of the Meetlat, made to be read on a phone.

Portrait 1080×1350 px (a phone's feed format), big type, one bar per criterion on a fixed
1–5 axis with its score, n and a ±spread whisker, so no figure travels without the numbers
behind it. Every text arrives translated; long or odd texts (emoji, right-to-left, 120
characters) are measured and shortened with "…" instead of overflowing, and glyphs the
font lacks are left out, so nothing warns. Uses matplotlib's Agg canvas directly, like the
survey charts: no pyplot and no global figure state, so it is safe in a server's threads.
The PNG carries no date or version, so the same card gives the same bytes.
"""

from __future__ import annotations

import io
import math
import unicodedata
import warnings
from dataclasses import dataclass
from functools import cache
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.patches import FancyBboxPatch

BAR_COLOR = "#d9480f"  # the survey charts' orange
TRACK_COLOR = "#f1f3f5"
INK, GREY, LIGHT = "#212529", "#495057", "#868e96"
PLUS_COLOR, BASIS_COLOR = "#2b8a3e", "#1971c2"
FONT = "DejaVu Sans"
WIDTH, HEIGHT, DPI = 1080, 1350, 200  # pixels; 5.4 × 6.75 inches
PX = DPI / 72  # pixels per point
MARGIN = 64
MIN_PT = 7.0
STACKED_MAX = 10  # up to this many rows each label sits above its bar; more go side by side


@dataclass(frozen=True, slots=True)
class ScorecardRow:
    label: str
    score: float | None  # shrunk score 1–5; None without ratings
    n: int
    spread: float | None  # sample standard deviation; None when n == 0


@dataclass(frozen=True, slots=True)
class Scorecard:
    title: str
    subtitle: str
    overall: float | None
    overall_label: str
    rows: tuple[ScorecardRow, ...]
    mark: str | None
    footer: str
    placeholder: str | None = None  # set: too few raters, no score may be shown


@cache
def _charmap() -> frozenset[int]:
    """The code points both weights of the font can draw."""
    maps = [
        get_font(findfont(FontProperties(family=FONT, weight=weight))).get_charmap()
        for weight in ("normal", "bold")
    ]
    return frozenset(maps[0]) & frozenset(maps[1])


def _clean(text: str) -> str:
    """Drop control characters and glyphs the font lacks; one space between words."""
    known = _charmap()
    kept = "".join(
        c for c in text if c.isspace() or (ord(c) in known and unicodedata.category(c)[0] != "C")
    )
    return " ".join(kept.split())


def _number(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


class _Canvas:
    """The figure as one pixel grid (origin bottom left), with measured text."""

    def __init__(self) -> None:
        self.figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, facecolor="white")
        agg = FigureCanvasAgg(self.figure)
        self.axes = self.figure.add_axes((0, 0, 1, 1))
        self.axes.set_xlim(0, WIDTH)
        self.axes.set_ylim(0, HEIGHT)
        self.axes.set_axis_off()
        self.renderer = agg.get_renderer()

    def width(self, text: str, size: float, bold: bool = False) -> float:
        prop = FontProperties(family=FONT, size=size, weight="bold" if bold else "normal")
        width, _, _ = self.renderer.get_text_width_height_descent(text, prop, ismath=False)
        return float(width)

    def fit(self, text: str, size: float, room: float, bold: bool = False) -> str:
        """The text, or its longest prefix plus "…" that fits in ``room`` pixels."""
        if self.width(text, size, bold) <= room:
            return text
        cut = self.longest(text, size, room - self.width("…", size, bold), bold)
        return text[:cut].rstrip() + "…"

    def longest(self, text: str, size: float, room: float, bold: bool = False) -> int:
        """The length of the longest prefix of ``text`` that fits, by bisection."""
        low, high = 0, len(text)
        while low < high:
            middle = (low + high + 1) // 2
            if self.width(text[:middle], size, bold) <= room:
                low = middle
            else:
                high = middle - 1
        return low

    def wrap(self, text: str, size: float, room: float, lines: int, bold: bool = False) -> str:
        """Up to ``lines`` lines of measured width; the last one shortened with "…"."""
        out: list[str] = []
        current = ""
        for word in text.split():
            trial = f"{current} {word}".strip()
            if self.width(trial, size, bold) <= room:
                current = trial
                continue
            if current:
                out.append(current)
            current = word
            while len(current) > 1 and self.width(current, size, bold) > room:
                cut = max(1, self.longest(current, size, room, bold))
                out.append(current[:cut])
                current = current[cut:]
        if current:
            out.append(current)
        if len(out) > lines:
            out = [*out[: lines - 1], self.fit(" ".join(out[lines - 1 :]) + " …", size, room, bold)]
        return "\n".join(out)

    def text(self, x: float, y: float, text: str, size: float, **style: Any) -> None:
        style = {"color": INK, "va": "top", "ha": "left", **style}
        self.axes.text(
            x, y, text, fontsize=size, family=FONT, parse_math=False, usetex=False, **style
        )

    def box(self, x: float, y: float, w: float, h: float, color: str, z: float = 1) -> None:
        if w > 0:
            style = f"round,pad=0,rounding_size={min(h, w) / 2:.2f}"
            self.axes.add_patch(
                FancyBboxPatch((x, y), w, h, boxstyle=style, fc=color, ec="none", zorder=z)
            )

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
        return buffer.getvalue()


def scorecard_png(card: Scorecard) -> bytes:
    """PNG bytes of one item's scorecard (portrait, 1080×1350)."""
    with warnings.catch_warnings():
        # _clean already leaves out what the font lacks; this only keeps a glyph it missed
        # from warning (narrow, since the filter list is process-wide)
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        return _draw(card)


def _draw(card: Scorecard) -> bytes:
    canvas = _Canvas()
    room = WIDTH - 2 * MARGIN
    top: float = HEIGHT - MARGIN  # a cursor going down

    title = canvas.wrap(_clean(card.title), 19, room, 2, bold=True)
    canvas.text(MARGIN, top, title, 19, weight="bold", linespacing=1.15)
    top -= (title.count("\n") + 1) * 19 * PX * 1.3 + 6
    canvas.text(MARGIN, top, canvas.fit(_clean(card.subtitle), 11.5, room), 11.5, color=GREY)
    top -= 11.5 * PX * 1.3 + 34

    footer = canvas.wrap(_clean(card.footer), 8, room, 2)
    canvas.text(MARGIN, MARGIN * 0.6, footer, 8, color=GREY, va="bottom", linespacing=1.4)
    bottom = MARGIN * 0.6 + (footer.count("\n") + 1) * 8 * PX * 1.4 + 28

    if card.placeholder is not None:
        text = canvas.wrap(_clean(card.placeholder), 15, room * 0.85, 4)
        canvas.text(
            WIDTH / 2,
            (top + bottom) / 2,
            text,
            15,
            color=GREY,
            ha="center",
            va="center",
            multialignment="center",
            linespacing=1.4,
        )
        return canvas.png()

    _overall(canvas, card, top)
    top -= 40 * PX + 11 * PX * 1.3 + 26
    canvas.axes.plot([MARGIN, WIDTH - MARGIN], [top, top], color="#dee2e6", lw=1)
    _rows(canvas, card.rows, top - 22, bottom)
    return canvas.png()


def _overall(canvas: _Canvas, card: Scorecard, top: float) -> None:
    """The overall score, large, under its label; the mark as a badge beside it."""
    overall = _number(card.overall)
    baseline = top - 11 * PX * 1.3 - 40 * PX * 0.76
    score = "–" if overall is None else f"{overall:.2f}"
    color = LIGHT if overall is None else INK
    canvas.text(MARGIN, baseline, score, 40, weight="bold", va="baseline", color=color)
    after = MARGIN + canvas.width(score, 40, bold=True) + 12
    canvas.text(after, baseline, "/ 5", 16, color=LIGHT, va="baseline")
    label_end: float = WIDTH - MARGIN
    if card.mark:
        size, pad = 12.5, 0.6 * 12.5 * PX
        free = WIDTH - MARGIN - after - canvas.width("/ 5", 16) - 40 - 2 * pad
        mark = canvas.wrap(_clean(card.mark), size, free, 2, bold=True)
        badge = max(canvas.width(line, size, bold=True) for line in mark.split("\n"))
        label_end = WIDTH - MARGIN - badge - 2 * pad - 24
        color = PLUS_COLOR if "plus" in card.mark.lower() else BASIS_COLOR
        box = {"boxstyle": "round,pad=0.6,rounding_size=0.8", "fc": color, "ec": "none"}
        canvas.text(
            WIDTH - MARGIN - pad,
            baseline + 16 * PX,
            mark,
            size,
            color="white",
            weight="bold",
            ha="right",
            va="center",
            multialignment="center",
            linespacing=1.3,
            bbox=box,
        )
    label = canvas.fit(_clean(card.overall_label), 11, label_end - MARGIN)
    canvas.text(MARGIN, top, label, 11, color=GREY)


def _rows(canvas: _Canvas, rows: tuple[ScorecardRow, ...], top: float, bottom: float) -> None:
    """One bar per criterion on a 1–5 axis; the first ones and "+k" when not all fit."""
    if not rows:
        return
    scale_pt = 8.5
    top -= scale_pt * PX * 1.6  # the axis labels 1…5 above the rows
    stacked = len(rows) <= STACKED_MAX
    pitch = (top - bottom) / len(rows)
    smallest = MIN_PT * PX * (2.6 if stacked else 1.45)
    shown = rows
    if pitch < smallest:
        shown = rows[: max(1, int((top - bottom) / smallest) - 1)]
        pitch = (top - bottom) / (len(shown) + 1)
    labels = [_clean(row.label) for row in shown]
    lines = 1
    if stacked:
        room, gap = min(pitch, 132), min(pitch, 132) * 0.14
        size = max(MIN_PT, min(13.0, room * 0.28 / PX))
        bar = min(38.0, room * 0.34)
        if pitch >= room + size * PX * 1.2 and any(
            canvas.width(label, size) > WIDTH - 2 * MARGIN for label in labels
        ):
            lines, room = 2, room + size * PX * 1.2  # room for labels of two lines
        pitch = room
    else:
        size = max(MIN_PT, min(11.0, pitch * 0.55 / PX))
        bar = max(4.0, pitch * 0.42)

    counts, small = [f"n={row.n}" for row in shown], max(MIN_PT, size * 0.85)
    n_room = max(canvas.width(n, small) for n in counts)
    score_room = canvas.width("5.00", size, bold=True)
    right = WIDTH - MARGIN
    score_right = right - n_room - 0.6 * size * PX
    x1 = score_right - score_room - 0.9 * size * PX
    x0 = MARGIN if stacked else MARGIN + (WIDTH - 2 * MARGIN) * 0.40

    def x(value: float) -> float:
        return x0 + (x1 - x0) * (min(5.0, max(1.0, value)) - 1) / 4

    for tick in range(1, 6):
        canvas.text(
            x(tick), top + scale_pt * PX * 1.5, str(tick), scale_pt, color=LIGHT, ha="center"
        )
    for index, row in enumerate(shown):
        score, spread, label = _number(row.score), _number(row.spread), labels[index]
        if stacked:
            middle = top - pitch + bar / 2 + gap
            label = canvas.wrap(label, size, right - MARGIN, lines)
            canvas.text(
                MARGIN,
                middle + bar / 2 + 0.3 * size * PX,
                label,
                size,
                va="bottom",
                linespacing=1.2,
            )
        else:
            middle = top - pitch / 2
            label = canvas.fit(label, size, x0 - MARGIN - 18)
            canvas.text(MARGIN, middle, label, size, va="center_baseline")
        canvas.box(x0, middle - bar / 2, x1 - x0, bar, TRACK_COLOR, z=1)
        if score is not None:
            canvas.box(x0, middle - bar / 2, x(score) - x0, bar, BAR_COLOR, z=2)
            if spread is not None and spread > 0:
                low, high = x(score - spread), x(score + spread)
                canvas.axes.plot([low, high], [middle, middle], color=INK, lw=1.4, zorder=4)
                cap = bar * 0.32
                canvas.axes.vlines(
                    [low, high], middle - cap, middle + cap, color=INK, lw=1.4, zorder=4
                )
        reach = bar / 2 + 4 if stacked else pitch / 2  # the Basis threshold, through the bars
        canvas.axes.vlines(
            x(3.0), middle - reach, middle + reach, color=GREY, lw=1, ls=(0, (4, 3)), zorder=3
        )
        number = "–" if score is None else f"{score:.2f}"
        canvas.text(
            score_right, middle, number, size, weight="bold", ha="right", va="center_baseline"
        )
        canvas.text(
            right, middle, counts[index], small, color=GREY, ha="right", va="center_baseline"
        )
        top -= pitch
    if len(shown) < len(rows):
        canvas.text(
            MARGIN,
            top - pitch / 2,
            f"+{len(rows) - len(shown)}",
            size,
            color=GREY,
            va="center_baseline",
            weight="bold",
        )
