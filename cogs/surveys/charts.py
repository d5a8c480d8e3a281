"""One PNG bar chart per question, made to be read on a phone.

Horizontal bars (long option labels fit), big type, the percentage at each bar, and n
and the margin of error under the chart so the figure never travels without them. Uses
matplotlib's Agg canvas directly: no pyplot, no global figure state, no display needed.
"""

from __future__ import annotations

import io
import logging
import textwrap

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.core.i18n import _
from cogs.surveys.results import QuestionResult

log = logging.getLogger(__name__)

BAR_COLOR = "#d9480f"
WIDTH_INCHES = 6.0
DPI = 150


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def bar_chart(result: QuestionResult) -> bytes:
    """PNG bytes of one choice question's results."""
    options = list(result.options)
    height = 1.6 + 0.62 * len(options) + 0.25 * result.question.text.count(" ") / 8
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    labels = [_wrap(option.label, 22) for option in options][::-1]
    values = [option.percent for option in options][::-1]
    bars = axes.barh(labels, values, color=BAR_COLOR, height=0.6)
    axes.set_xlim(0, max([100.0, *values]) * 1.12)
    axes.tick_params(axis="y", labelsize=11)
    axes.tick_params(axis="x", labelsize=9)
    axes.set_xlabel("%", fontsize=10)
    for spine in ("top", "right"):
        axes.spines[spine].set_visible(False)
    for bar, value in zip(bars, values, strict=True):
        axes.text(
            bar.get_width() + 1.5,
            bar.get_y() + bar.get_height() / 2,
            f"{value:.0f}%",
            va="center",
            fontsize=11,
            fontweight="bold",
        )
    axes.set_title(_wrap(result.question.text, 48), fontsize=13, loc="left", pad=12)
    footer = _("n = {n}").format(n=result.n)
    if result.margin is not None:
        footer += "  ·  " + _("margin of error ±{margin:.1f} points (95%)").format(
            margin=result.margin
        )
    if result.question.kind == "multiple":
        footer += "  ·  " + _("more than one answer possible")
    figure.text(0.01, 0.01, footer, fontsize=9, color="#444444")
    figure.tight_layout(rect=(0, 0.05, 1, 1))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
