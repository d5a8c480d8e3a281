"""Werkbot's light markup (``bot.core.markup``): the parser on ordinary and hostile text,
and its renderers for Telegram, Discord, e-mail and the console.

Examples pin what organizers type; properties (hypothesis) show that nothing a member
could send makes the parser fail or lose text, and that every rendering is well formed.
"""

from __future__ import annotations

import gc
import html
import io
import re
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters._text import Measure, split_spans, utf16_length
from bot.adapters.console import ConsoleAdapter, ConsoleFiles
from bot.core.markup import (
    MAX_URL,
    Span,
    cut,
    ends,
    merged,
    parse,
    plain,
    to_discord,
    to_html,
    to_plain,
    to_telegram_html,
    visible,
)
from bot.core.types import Chat, Reply
from tests.support.splitting import assert_pieces_of
from tests.telegram.fake_bot_api import parse_html

BOLD, ITALIC = {"bold": True}, {"italic": True}


def spans(*parts: tuple[str, dict[str, object]] | str) -> list[Span]:
    built = []
    for part in parts:
        if isinstance(part, str):
            built.append(Span(part))
        else:
            text, style = part
            built.append(Span(text, **style))  # type: ignore[arg-type]
    return built


# -- what organizers type --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gewone tekst", spans("gewone tekst")),
        ("*Let op*: morgen", spans(("Let op", BOLD), ": morgen")),
        ("_schuin_ en *vet*", spans(("schuin", ITALIC), " en ", ("vet", BOLD))),
        ("**dubbel**", spans(("dubbel", BOLD))),
        ("__dubbel__", spans(("dubbel", ITALIC))),
        (
            "*vet met _schuin_ erin*",
            spans(("vet met ", BOLD), ("schuin", BOLD | ITALIC), (" erin", BOLD)),
        ),
        ("_*beide*_", spans(("beide", BOLD | ITALIC))),
        ("(*haakjes*)", spans("(", ("haakjes", BOLD), ")")),
        ('"*citaat*"', spans('"', ("citaat", BOLD), '"')),
        (
            "zie [de site](https://werkvereniging.nl/agenda)!",
            spans("zie ", ("de site", {"url": "https://werkvereniging.nl/agenda"}), "!"),
        ),
        (
            "*[vette link](https://x.nl)*",
            spans(("vette link", {"bold": True, "url": "https://x.nl"})),
        ),
        (
            "[deels *vet*](https://x.nl)",
            spans(
                ("deels ", {"url": "https://x.nl"}),
                ("vet", {"bold": True, "url": "https://x.nl"}),
            ),
        ),
        (
            "[wiki](https://nl.wikipedia.org/wiki/Zzp_(Nederland))",
            spans(("wiki", {"url": "https://nl.wikipedia.org/wiki/Zzp_(Nederland)"})),
        ),
        ("[HTTPS](HTTPS://X.NL)", spans(("HTTPS", {"url": "HTTPS://X.NL"}))),
        # Empty labels show the URL itself.
        ("[](https://x.nl)", spans(("https://x.nl", {"url": "https://x.nl"}))),
        ("[  ](https://x.nl)", spans(("https://x.nl", {"url": "https://x.nl"}))),
        ("😀 *vet* 🇳🇱", spans("😀 ", ("vet", BOLD), " 🇳🇱")),
        ("😀*vet*😀", spans("😀", ("vet", BOLD), "😀")),
    ],
)
def test_markup_examples(text: str, expected: list[Span]) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2*3*4 = 24",
        "5 * 3 en 4 * 2",
        "snake_case_naam en mijn__bestand__naam.py",
        "* opsomming\n* tweede",
        "*",
        "**",
        "****",
        "_",
        "*niet gesloten",
        "niet geopend*",
        "* geen vet *",
        "a*b*c",
        "[label](javascript:alert(1))",
        "[label](mailto:info@werkvereniging.nl)",
        "[label](/relatief/pad)",
        "[label](ftp://x.nl)",
        "[label](https://)",
        "[label](https://x.nl met spatie)",
        "[label](https://x.nl",
        "[label]",
        "[label] (https://x.nl)",
        "[[[[]]]]",
        "](((",
        "[a](https://x.nl/\u202eevil)",  # a right-to-left override is no URL character
        "*eerste alinea\n\ntweede alinea*",
    ],
)
def test_text_that_is_no_markup_stays_as_it_is(text: str) -> None:
    assert visible(parse(text)) == text
    assert all(not span.bold and not span.italic and span.url is None for span in parse(text))
    assert plain(text) == text


def test_overlapping_markers_nest_and_the_crossing_one_stays_text() -> None:
    assert parse("*a _b* c_") == spans(("a _b", BOLD), " c_")
    assert parse("_a *b_ c*") == spans(("a *b", ITALIC), " c*")
    assert parse("*a *b*") == spans(("a *b", BOLD))  # bold does not nest in bold


def test_markers_inside_a_bare_url_do_not_count() -> None:
    text = "zie https://x.nl/_over_ons_ en https://x.nl/(a_b)_"
    assert parse(text) == spans(text)
    # ... but markers around a URL do.
    assert parse("*https://x.nl/a*") == spans(("https://x.nl/a", BOLD))
    assert parse("_zie https://x.nl._") == spans(("zie https://x.nl.", ITALIC))


def test_a_too_long_url_is_no_link() -> None:
    url = "https://x.nl/" + "a" * MAX_URL
    assert parse(f"[x]({url})") == spans(f"[x]({url})")
    short = "https://x.nl/" + "a" * (MAX_URL - 13)
    assert parse(f"[x]({short})") == spans(("x", {"url": short}))


@pytest.mark.parametrize(
    "pattern",
    [
        "[",
        "[a](",
        "[a](https://x.nl/(",
        "*a ",
        "a*",
        "*_",
        "_a_ ",
        "http://",
        "https://x.nl/_a",
        "😀*",
        "\n\n*",
        "*a* _b_ [c](https://d.nl) ",
    ],
)
def test_parsing_takes_linear_time(pattern: str) -> None:
    """Four times the text takes about four times as long (quadratic: sixteen times).
    The garbage collector is off while timing: its pauses grow with the heap, not with
    the parser's work."""

    def timed(size: int) -> float:
        text = pattern * (size // len(pattern))
        best = float("inf")
        for _attempt in range(3):
            gc.disable()
            try:
                started = time.perf_counter()
                to_plain(parse(text))
                best = min(best, time.perf_counter() - started)
            finally:
                gc.enable()
        return best

    small, large = timed(20_000), timed(80_000)
    assert large < 1.0, f"{large:.2f} s for 80,000 characters"
    assert large < 8 * small + 0.05, f"{small:.3f} s then {large:.3f} s: not linear"


# -- renderers ------------------------------------------------------------------------------

SAMPLE = 'Hallo <lid> & "jij": *vet*, _schuin_ en [meer info](https://x.nl/?a=1&b=2)'


def test_telegram_html() -> None:
    assert to_telegram_html(parse(SAMPLE)) == (
        "Hallo &lt;lid&gt; &amp; &quot;jij&quot;: <b>vet</b>, <i>schuin</i> en "
        '<a href="https://x.nl/?a=1&amp;b=2">meer info</a>'
    )
    assert to_telegram_html(parse("_a *b* c_")) == "<i>a <b>b</b> c</i>"
    assert to_telegram_html(parse("*[x](https://x.nl)*")) == '<b><a href="https://x.nl">x</a></b>'


def test_email_html_has_line_breaks() -> None:
    assert to_html(parse("*Kop*\nregel 2")) == "<b>Kop</b><br>\nregel 2"


def test_plain_text() -> None:
    assert to_plain(parse(SAMPLE)) == (
        'Hallo <lid> & "jij": vet, schuin en meer info (https://x.nl/?a=1&b=2)'
    )
    assert plain("[](https://x.nl)") == "https://x.nl"
    assert plain("[https://x.nl](https://x.nl)") == "https://x.nl"


def test_discord_markdown() -> None:
    assert to_discord(parse("*vet*, _schuin_ en [info](https://x.nl)")) == (
        "**vet**, *schuin* en [info](https://x.nl)"
    )
    # Discord's markdown characters in the text are escaped, so they show as typed.
    assert to_discord(parse("2*3*4 ~~niet~~ `code` ||geheim|| <@123> snake_case \\")) == (
        "2\\*3\\*4 \\~\\~niet\\~\\~ \\`code\\` \\|\\|geheim\\|\\| \\<@123> snake\\_case \\\\"
    )
    assert to_discord(parse("# geen kop\n> geen citaat\n- geen lijst\n1. ook niet")) == (
        "\\# geen kop\n\\> geen citaat\n\\- geen lijst\n1\\. ook niet"
    )
    assert to_discord(parse("a > b - c # d")) == "a > b - c # d"  # only at a line's start
    # Bold next to italic: "_" keeps the markers apart ("***" reads differently).
    assert to_discord(parse("*_beide_*")) == "**_beide_**"
    assert to_discord(parse("_a_*b*")) == "_a_**b**"
    assert to_discord(parse("*b*_a_")) == "**b**_a_"
    # A bare URL stays as it is (Discord links it), in bold between < > so that the
    # closing ** is not read as part of it.
    assert to_discord(parse("zie https://x.nl/a_b")) == "zie https://x.nl/a_b"
    assert to_discord(parse("*https://x.nl/a_b*")) == "**<https://x.nl/a_b>**"
    # A link whose label is its URL is a plain link; parentheses in a target are encoded.
    assert to_discord(parse("[](https://x.nl)")) == "<https://x.nl>"
    assert to_discord(parse("[w](https://w.nl/A_(b))")) == "[w](https://w.nl/A_%28b%29)"


def test_whitespace_at_the_edge_of_a_style_moves_outside_it() -> None:
    styled = [Span(" a ", bold=True), Span("b")]
    assert to_discord(styled) == " **a** b"
    assert to_telegram_html(styled) == " <b>a</b> b"
    # Italic that ends with bold: "_" keeps its end apart from the "**".
    assert to_discord([Span("a ", italic=True), Span("b", italic=True, bold=True)]) == "_a **b**_"


def test_cut_keeps_the_styles() -> None:
    parsed = parse("*vet* en _schuin_")
    assert visible(parsed) == "vet en schuin"
    assert cut(parsed, 1, 9) == spans(("et", BOLD), " en ", ("sc", ITALIC))
    assert cut(parsed, 1, 9, ends(parsed)) == cut(parsed, 1, 9)
    assert cut(parsed, 20, 30) == []
    assert merged([Span("a"), Span(""), Span("b"), Span("c", bold=True)]) == spans(
        "ab", ("c", BOLD)
    )


# -- properties -----------------------------------------------------------------------------

MARKUP = ["*", "_", "[", "]", "(", ")", "**", "__", " ", "\n", "\n\n", "a", "é", "2"]
URLS = [
    "https://x.nl",
    "http://a.b/c_(d)",
    "javascript:alert(1)",
    "https://",
    "HTTPS://Y.NL/?q=1&r",
]
EXTRA = [
    "😀",
    "👍🏽",
    "🇳🇱",
    "e\u0301",
    "\u200d",
    "<",
    ">",
    "&",
    '"',
    "'",
    "~",
    "`",
    "|",
    "#",
    "-",
    "\\",
]
markup_texts = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(MARKUP + URLS + EXTRA), max_size=120).map("".join),
)
MARKERS = set("*_[]()")


def _without_markers(text: str) -> str:
    return "".join(char for char in text if char not in MARKERS)


def _is_subsequence(needle: str, haystack: str) -> bool:
    letters = iter(haystack)
    return all(char in letters for char in needle)


@given(text=markup_texts)
@settings(database=None, deadline=None, max_examples=400)
def test_parsing_never_fails_and_the_plain_text_keeps_every_visible_character(text: str) -> None:
    parsed = parse(text)
    assert all(span.text for span in parsed)
    assert all(span.url is None or span.url.lower().startswith("http") for span in parsed)
    rendered = to_plain(parsed)
    # Every character of the input but the markers is in the plain text, in order.
    assert _is_subsequence(_without_markers(text), _without_markers(rendered))
    # Without markup characters, nothing changes at all.
    if not MARKERS & set(text):
        assert parsed == ([Span(text)] if text else []) and rendered == text


class _Strict(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in ("b", "i", "a", "br"), tag
        if tag == "a":
            ((name, value),) = attrs
            assert name == "href" and value and value.lower().startswith("http")
        if tag != "br":
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@given(text=markup_texts)
@settings(database=None, deadline=None, max_examples=300)
def test_html_renderings_are_well_formed(text: str) -> None:
    parsed = parse(text)
    telegram = to_telegram_html(parsed)
    # As Telegram reads it (the fake's parser, written apart): it parses, and shows
    # exactly the visible text.
    shown, _entities = parse_html(telegram)
    assert shown == visible(parsed).strip()
    reader = _Strict()
    reader.feed(to_html(parsed))
    reader.close()
    assert reader.stack == []
    assert "".join(reader.text).replace("\n", "") == visible(parsed).replace("\n", "")


@given(text=st.lists(st.sampled_from(MARKUP + EXTRA), max_size=100).map("".join))
@settings(database=None, deadline=None, max_examples=300)
def test_discord_escapes_undo_to_the_text(text: str) -> None:
    """Without styles, Discord's escape rule (a backslash before punctuation shows the
    punctuation) gives back exactly the text."""
    rendered = to_discord([Span(text)])
    assert re.sub(r"\\([^0-9A-Za-z\s])", r"\1", rendered) == text
    # No markdown character is left unescaped.
    unescaped = re.sub(r"\\[^0-9A-Za-z\s]", "", rendered)
    assert not set("*_~`|[]<") & set(unescaped)


@given(text=markup_texts, limit=st.integers(min_value=2, max_value=60))
@settings(
    database=None, deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow]
)
def test_split_spans_cuts_on_the_visible_text(text: str, limit: int) -> None:
    parsed = parse(text)
    pieces = split_spans(parsed, limit, Measure.UTF16_UNITS)
    assert all(0 < utf16_length(visible(piece)) <= limit for piece in pieces)
    assert_pieces_of(visible(parsed), [visible(piece) for piece in pieces])
    # Each piece renders on its own into balanced HTML.
    for piece in pieces:
        parse_html(to_telegram_html(piece))


@given(text=markup_texts, limit=st.integers(min_value=8, max_value=60))
@settings(
    database=None, deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow]
)
def test_split_spans_with_a_rendered_size(text: str, limit: int) -> None:
    parsed = parse(text)
    pieces = split_spans(parsed, limit, size=lambda piece: len(to_discord(piece)))
    assert_pieces_of(visible(parsed), [visible(piece) for piece in pieces])
    for piece in pieces:  # only a single character may stay too long (the caller's case)
        assert len(to_discord(piece)) <= limit or len(visible(piece)) == 1


def test_escaping_is_html_escaping() -> None:
    """The Telegram renderer escapes as the standard library does (quotes included)."""
    text = "<b>&amp;\"'"
    assert to_telegram_html([Span(text)]) == html.escape(text, quote=True)


async def test_the_console_prints_markup_as_plain_text(tmp_path: Path) -> None:
    async def nothing(event: object) -> list[Reply]:
        return []

    out = io.StringIO()
    console = ConsoleAdapter(
        nothing, files=ConsoleFiles(tmp_path), stdin=io.StringIO(), stdout=out, interactive=False
    )
    chat = Chat("console", "olga")
    await console.send(
        chat, Reply("*Nieuws*: zie [de agenda](https://x.nl/a)\n_tot dan_", markup=True)
    )
    await console.send(chat, Reply("*letterlijk*"))
    assert out.getvalue().splitlines() == [
        "werkbot → olga: Nieuws: zie de agenda (https://x.nl/a)",
        "  tot dan",
        "werkbot → olga: *letterlijk*",
    ]
