"""Werkbot's light markup: ``*bold*``, ``_italic_`` and ``[label](https://…)``.

Why a markup of its own: an organizer types an announcement once, and it goes out on
Telegram (HTML), Discord (markdown), by e-mail (plain text and HTML) and in the console.
Each platform's own syntax fails differently on a stray character (Telegram refuses a whole
message over one unbalanced tag; Discord turns ``2*3*4`` into italics), so the text is read
once, here, into :class:`Span` objects, and each adapter renders the spans its own way with
the pure functions below.

The rules, chosen so that ordinary text never changes by accident:

* ``*`` marks bold and ``_`` italic. A run of the same marker counts as one (``**bold**``
  is bold too). A marker opens only at the start of a word (after a space, punctuation or
  the start of the text, and before a non-space) and closes only at the end of one, so
  ``2*3*4``, ``snake_case`` and ``5 * 3`` stay as they are.
* Markers pair up innermost first; one that finds no partner stays as text. Emphasis may
  be nested (``*bold _and italic_*``), never overlapping: in ``*a _b* c_`` the ``_`` that
  would cross the bold stays text. Emphasis never crosses an empty line.
* ``[label](url)`` is a link only for an ``http``/``https`` URL with a host (no spaces,
  at most :data:`MAX_URL` characters); anything else (``javascript:``, ``mailto:``, a
  relative path) stays literal text. An empty label shows the URL itself.
* A bare ``https://…`` in the text is kept whole: no marker inside it counts.

:func:`parse` never raises, whatever the input, and reads it in linear time (every
character is looked at a bounded number of times), so a hostile or enormous text costs no
more than its length.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Literal
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

MAX_URL = 1024
"""Longer is not taken as a link: it would not fit a Discord message beside its label."""

_PARAGRAPH = re.compile(r"(\n[ \t\r\f\v]*\n)")
_URL_STOP = frozenset('<>"`{}|\\^[]')
_BARE_STOP = frozenset('<>"`[]*')
_BARE_TRAILING = ".,:;!?'_)"


@dataclass(frozen=True)
class Span:
    """A piece of text with one style: bold, italic, and/or part of a link's label."""

    text: str
    bold: bool = False
    italic: bool = False
    url: str | None = None


# -- parsing ----------------------------------------------------------------------------------


@dataclass
class _Marker:
    """A run of ``*`` or ``_``; it becomes formatting only when it is paired."""

    char: str
    run: str
    can_open: bool
    can_close: bool
    paired: bool = False


@dataclass(frozen=True)
class _Link:
    label: list[Span]
    url: str


_Token = str | _Marker | _Link


def parse(text: str) -> list[Span]:
    """``text`` in Werkbot's markup as spans (adjacent spans of one style merged, none
    empty). Never raises; linear in the length of ``text``."""
    spans: list[Span] = []
    for part in _PARAGRAPH.split(text):
        spans.extend(_resolve(_tokens(part, links=True)))
    return merged(spans)


def _is_web_url(url: str) -> bool:
    if len(url) > MAX_URL or not url[:8].lower().startswith(("http://", "https://")):
        return False
    try:
        return bool(urlsplit(url).hostname)
    except ValueError:  # e.g. a malformed port or IPv6 address
        return False


def _url_character(char: str) -> bool:
    return not (
        char.isspace() or char in _URL_STOP or unicodedata.category(char) in ("Cc", "Cf", "Cs")
    )


def _link_at(text: str, start: int) -> tuple[_Link, int] | None:
    """The link ``[label](url)`` that starts at ``text[start] == "["`` and where it ends.

    The label holds no bracket and the URL stops at the first space or bracket, so a
    failed attempt never reads what another attempt reads: linear overall."""
    end = len(text)
    close = start + 1
    while close < end and text[close] not in "[]":
        close += 1
    if close + 1 >= end or text[close] != "]" or text[close + 1] != "(":
        return None
    depth = 0
    position = close + 2
    while position < end and position - close <= MAX_URL + 2:
        char = text[position]
        if char == ")":
            if depth == 0:
                break
            depth -= 1
        elif char == "(":
            depth += 1
        elif not _url_character(char):
            return None
        position += 1
    else:
        return None
    url = text[close + 2 : position]
    if not _is_web_url(url):
        return None
    label = merged(_resolve(_tokens(text[start + 1 : close], links=False)))
    if not "".join(span.text for span in label).strip():
        label = [Span(url)]
    return _Link(label, url), position + 1


def _bare_url(text: str, start: int) -> tuple[int, bool]:
    """A bare ``http(s)://…`` at ``start``: where it ends, and whether it is a URL.

    Whatever the answer, ``text[start:end]`` is read as plain text by the caller and never
    again: so a long run of ``http://http://…`` costs its length once, not once per
    ``http``. Trailing punctuation is not part of it (``see https://x.org.``), except a
    parenthesis that closes one inside (``…/Foo_(bar)``)."""
    head = text[start : start + 8].lower()
    if not head.startswith(("http://", "https://")):
        return start, False
    if start > 0 and text[start - 1].isalnum():
        return start, False
    end = start + (7 if head.startswith("http://") else 8)
    stop = min(len(text), start + MAX_URL + 1)
    while end < stop and _url_character(text[end]) and text[end] not in _BARE_STOP:
        end += 1
    opened, closed = text.count("(", start, end), text.count(")", start, end)
    while end > start and text[end - 1] in _BARE_TRAILING:
        if text[end - 1] == ")":
            if opened >= closed:
                break
            closed -= 1
        end -= 1
    return end, _is_web_url(text[start:end])


def _tokens(text: str, *, links: bool) -> list[_Token]:
    tokens: list[_Token] = []
    plain_from = index = 0
    end = len(text)

    def flush(upto: int) -> None:
        if upto > plain_from:
            tokens.append(text[plain_from:upto])

    while index < end:
        char = text[index]
        if char in "*_":
            stop = index + 1
            while stop < end and text[stop] == char:
                stop += 1
            flush(index)
            before = text[index - 1] if index > 0 else ""
            after = text[stop] if stop < end else ""
            tokens.append(
                _Marker(
                    char,
                    text[index:stop],
                    can_open=not before.isalnum() and after != "" and not after.isspace(),
                    can_close=not after.isalnum() and before != "" and not before.isspace(),
                )
            )
            index = plain_from = stop
        elif char == "[" and links and (found := _link_at(text, index)) is not None:
            flush(index)
            tokens.append(found[0])
            index = plain_from = found[1]
        elif char in "hH" and (url := _bare_url(text, index))[0] > index:
            flush(index)  # a bare URL (or what only looked like one) is plain text whole
            tokens.append(text[index : url[0]])
            index = plain_from = url[0]
        else:
            index += 1
    flush(end)
    return tokens


def _resolve(tokens: list[_Token]) -> list[Span]:
    """Pair the markers (innermost first, at most one open per kind) and apply them."""
    stack: list[tuple[int, _Marker]] = []  # open markers, at most one per kind
    for index, token in enumerate(tokens):
        if not isinstance(token, _Marker):
            continue
        level = next((n for n, (_at, m) in enumerate(stack) if m.char == token.char), None)
        if token.can_close and level is not None and stack[level][0] < index - 1:
            stack[level][1].paired = token.paired = True
            del stack[level:]  # markers opened inside and not closed stay text
        elif token.can_open and level is None:
            stack.append((index, token))
    spans: list[Span] = []
    bold = italic = False
    for token in tokens:
        if isinstance(token, str):
            spans.append(Span(token, bold, italic))
        elif isinstance(token, _Link):
            spans.extend(
                Span(span.text, span.bold or bold, span.italic or italic, token.url)
                for span in token.label
            )
        elif token.paired:
            if token.char == "*":
                bold = not bold
            else:
                italic = not italic
        else:
            spans.append(Span(token.run, bold, italic))
    return spans


def merged(spans: Iterable[Span]) -> list[Span]:
    """``spans`` without empty ones, neighbours of the same style joined."""
    groups: list[tuple[Span, list[str]]] = []  # joined once at the end: linear
    for span in spans:
        if not span.text:
            continue
        if groups and _same_style(groups[-1][0], span):
            groups[-1][1].append(span.text)
        else:
            groups.append((span, [span.text]))
    return [
        first if len(texts) == 1 else Span("".join(texts), first.bold, first.italic, first.url)
        for first, texts in groups
    ]


def _same_style(one: Span, other: Span) -> bool:
    return (one.bold, one.italic, one.url) == (other.bold, other.italic, other.url)


# -- measuring and cutting --------------------------------------------------------------------


def visible(spans: Iterable[Span]) -> str:
    """The text a reader sees (link labels, no markers): what Telegram measures."""
    return "".join(span.text for span in spans)


def ends(spans: Sequence[Span]) -> list[int]:
    """Where each span ends in ``visible(spans)``: lets :func:`cut` start at the right span."""
    return list(accumulate(len(span.text) for span in spans))


def cut(
    spans: Sequence[Span], start: int, end: int, span_ends: Sequence[int] | None = None
) -> list[Span]:
    """The spans of ``visible(spans)[start:end]``, each keeping its style. With the
    :func:`ends` of ``spans``, cutting many pieces costs the pieces, not the whole text
    each time."""
    first = bisect_right(span_ends, start) if span_ends is not None else 0
    offset = span_ends[first - 1] if span_ends is not None and first > 0 else 0
    result: list[Span] = []
    for index in range(first, len(spans)):
        span = spans[index]
        after = offset + len(span.text)
        if after > start and offset < end:
            piece = span.text[max(start - offset, 0) : min(end, after) - offset]
            result.append(Span(piece, span.bold, span.italic, span.url))
        if after >= end:
            break
        offset = after
    return merged(result)


# -- rendering --------------------------------------------------------------------------------

_Mark = tuple[Literal["b", "i", "a"], str]
"""A style being open: bold, italic, or a link (with its URL)."""


@dataclass(frozen=True)
class _Event:
    kind: Literal["open", "close", "text"]
    mark: _Mark = ("b", "")
    text: str = ""


def _marks(span: Span) -> list[_Mark]:
    marks: list[_Mark] = []
    if span.bold:
        marks.append(("b", ""))
    if span.italic:
        marks.append(("i", ""))
    if span.url is not None:
        marks.append(("a", span.url))
    return marks


def _tidy(spans: Sequence[Span]) -> list[tuple[str, list[_Mark]]]:
    """Each span as (text, marks), with whitespace at the edge of a style moved outside
    it: Discord's ``*`` must touch its text, and ``<b> </b>`` is noise everywhere."""
    kept = merged(spans)
    parts: list[tuple[str, list[_Mark]]] = []
    for number, span in enumerate(kept):
        marks = _marks(span)
        before = _marks(kept[number - 1]) if number > 0 else []
        after = _marks(kept[number + 1]) if number + 1 < len(kept) else []
        core = span.text.strip()
        if not core:
            parts.append((span.text, [m for m in marks if m in before and m in after]))
            continue
        lead = span.text[: len(span.text) - len(span.text.lstrip())]
        trail = span.text[len(span.text.rstrip()) :]
        if lead:
            parts.append((lead, [m for m in marks if m in before]))
        parts.append((core, marks))
        if trail:
            parts.append((trail, [m for m in marks if m in after]))
    return parts


def _events(spans: Sequence[Span]) -> list[_Event]:
    """Open, text and close events, properly nested: a style that must end while one
    opened after it goes on is closed and reopened around it."""
    events: list[_Event] = []
    stack: list[_Mark] = []
    for text, wanted in _tidy(spans):
        keep = 0
        while keep < len(stack) and stack[keep] in wanted:
            keep += 1
        for mark in reversed(stack[keep:]):
            events.append(_Event("close", mark))
        del stack[keep:]
        for mark in wanted:
            if mark not in stack:
                stack.append(mark)
                events.append(_Event("open", mark))
        events.append(_Event("text", text=text))
    for mark in reversed(stack):
        events.append(_Event("close", mark))
    return events


def _link_labels(events: Sequence[_Event]) -> Iterator[tuple[int, str]]:
    """(index of the open event, the label text) of every link."""
    opened: int | None = None
    label: list[str] = []
    for index, event in enumerate(events):
        if event.kind == "open" and event.mark[0] == "a":
            opened, label = index, []
        elif event.kind == "text" and opened is not None:
            label.append(event.text)
        elif event.kind == "close" and event.mark[0] == "a" and opened is not None:
            yield opened, "".join(label)
            opened = None


def to_plain(spans: Sequence[Span]) -> str:
    """Plain text: markers gone, a link as ``label (url)`` (just the URL when it is its
    own label). For the console and the text part of an e-mail."""
    labels = dict(_link_labels(events := _events(spans)))
    out: list[str] = []
    label = ""
    for index, event in enumerate(events):
        if event.kind == "text":
            out.append(event.text)
        elif event.mark[0] == "a":
            if event.kind == "open":
                label = labels.get(index, "")
            elif label.strip() != event.mark[1]:
                out.append(f" ({event.mark[1]})")
    return "".join(out)


def plain(text: str) -> str:
    """``text`` in markup as plain text (:func:`to_plain` of :func:`parse`)."""
    return to_plain(parse(text))


def _to_html(spans: Sequence[Span], *, line_break: str) -> str:
    out: list[str] = []
    for event in _events(spans):
        kind, value = event.mark
        if event.kind == "text":
            escaped = html.escape(event.text, quote=True)
            out.append(escaped.replace("\n", line_break) if line_break != "\n" else escaped)
        elif kind == "a":
            if event.kind == "open":
                out.append(f'<a href="{html.escape(value, quote=True)}">')
            else:
                out.append("</a>")
        else:  # "b" and "i" are the tags' names too
            out.append(f"<{kind}>" if event.kind == "open" else f"</{kind}>")
    return "".join(out)


def to_telegram_html(spans: Sequence[Span]) -> str:
    """Telegram's HTML (``parse_mode=HTML``): ``<b>``, ``<i>``, ``<a href>``, with ``<``,
    ``>``, ``&`` and quotes escaped; tags always properly nested and closed."""
    return _to_html(spans, line_break="\n")


def to_html(spans: Sequence[Span]) -> str:
    """An HTML fragment (line breaks as ``<br>``) for the HTML part of an e-mail."""
    return _to_html(spans, line_break="<br>\n")


# -- Discord --------------------------------------------------------------------------------

_DISCORD_URL = re.compile(r"(?<![\w/])https?://[^\s<]+[^<.,:;\"')\]\s]", re.IGNORECASE)
"""What Discord links by itself (its own pattern): left unescaped, or the link breaks."""
_DISCORD_INLINE = re.compile(r"[\\*_~`|\[\]<]")
_DISCORD_SCHEME = re.compile(r"(https?):(?=//)", re.IGNORECASE)
_DISCORD_LINE_START = re.compile(r"^([ \t]*)([>#+-]|\d+(?=\.))", re.MULTILINE)
_WORD = re.compile(r"[A-Za-z0-9_]")


def _discord_escape(text: str, *, line_start: bool) -> str:
    """Plain text made literal for Discord: every character of its markdown escaped, and
    an ``http://`` that is not written as a link broken up (``http\\://``), so that
    Discord does not make a link of it and what follows."""
    escaped = _DISCORD_SCHEME.sub(r"\g<1>\\:", _DISCORD_INLINE.sub(r"\\\g<0>", text))

    def block(match: re.Match[str]) -> str:
        if match.start() == 0 and not line_start:
            return match.group(0)
        marker = match.group(2)
        return match.group(1) + (marker + "\\" if marker[0].isdigit() else "\\" + marker)

    return _DISCORD_LINE_START.sub(block, escaped)


def _discord_text(text: str, *, line_start: bool, wrap_urls: bool, more_follows: bool) -> str:
    out: list[str] = []
    position = 0
    for match in _DISCORD_URL.finditer(text):
        before = text[position : match.start()]
        out.append(_discord_escape(before, line_start=line_start if position == 0 else False))
        url = match.group(0)
        # Discord's own pattern would run on into whatever touches the URL (an escaping
        # backslash, a closing "**"): between < > it ends where it should.
        after = text[match.end() : match.end() + 1]
        touching = not after.isspace() if after else more_follows
        if not (wrap_urls or touching):
            out.append(url)
        elif ">" not in url:
            out.append(f"<{url}>")
        else:  # cannot be put between < >: shown as text, not as a link
            out.append(_discord_escape(url, line_start=False))
        position = match.end()
    rest = text[position:]
    out.append(_discord_escape(rest, line_start=line_start if position == 0 else False))
    return "".join(out)


def _discord_link_target(url: str) -> str:
    """Parentheses percent-encoded: Discord's link syntax ends at the first ``)``."""
    return url.replace("(", "%28").replace(")", "%29")


def _italic_markers(events: Sequence[_Event]) -> dict[int, str]:
    """The marker of each italic (by the index of its open and close event).

    ``*`` unless it would touch bold's ``**`` (``***``, ``*****`` read differently in
    Discord); then ``_``, unless a letter or digit follows its end (where ``_`` would not
    close).
    """
    chosen: dict[int, str] = {}
    opened: int | None = None

    def bold_next_to(index: int) -> bool:
        return any(
            0 <= near < len(events) and events[near].kind != "text" and events[near].mark[0] == "b"
            for near in (index - 1, index + 1)
        )

    for index, event in enumerate(events):
        if event.kind == "text" or event.mark[0] != "i":
            continue
        if event.kind == "open":
            opened = index
            continue
        if opened is None:
            continue
        marker = "*"
        if bold_next_to(opened) or bold_next_to(index):
            following = events[index + 1] if index + 1 < len(events) else None
            word_follows = (
                following is not None
                and following.kind == "text"
                and bool(_WORD.match(following.text[:1]))
            )
            marker = "*" if word_follows else "_"
        chosen[opened] = chosen[index] = marker
        opened = None
    return chosen


def to_discord(spans: Sequence[Span]) -> str:
    """Discord markdown: ``**bold**``, ``*italic*``, ``[label](url)``; everything else
    escaped so it shows as typed (``*``, ``_``, ``~``, `````, ``|``, ``[``, ``<``, and
    ``>``, ``#``, ``-``, ``+``, ``1.`` at the start of a line). A bare URL stays as it
    is so that Discord still links it."""
    events = _events(spans)
    italics = _italic_markers(events)
    labels = dict(_link_labels(events))
    out: list[str] = []
    styled = 0
    in_label = False  # inside [label]: a URL there is text (Discord links no URL in a label)
    in_link: str | None = None  # the URL of the link being written, when it is its label
    for index, event in enumerate(events):
        kind, value = event.mark
        if in_link is not None and not (event.kind == "close" and kind == "a"):
            continue  # the link was written whole as <url> at its open event
        if event.kind == "text":
            line_start = not out or out[-1].endswith("\n")
            if in_label:
                out.append(_discord_escape(event.text, line_start=line_start))
                continue
            out.append(
                _discord_text(
                    event.text,
                    line_start=line_start,
                    wrap_urls=styled > 0,
                    more_follows=index + 1 < len(events),
                )
            )
        elif kind == "b":
            out.append("**")
            styled += 1 if event.kind == "open" else -1
        elif kind == "i":
            out.append(italics.get(index, "*"))
            styled += 1 if event.kind == "open" else -1
        elif event.kind == "open":
            label = labels.get(index, "")
            if label.strip() == value:
                out.append(f"<{value}>")  # Discord shows a URL label as a plain link
                in_link = value
            else:
                out.append("[")
                in_label = True
        elif in_link is not None:
            in_link = None
        else:
            out.append(f"]({_discord_link_target(value)})")
            in_label = False
    return "".join(out)
