"""At the door: check-in codes, the QR code a member shows, and the door list to print.

A check-in code is a random secret (128 bits, base32) with nothing personal in it: the QR
code on a phone, the code typed by a volunteer and the line on the printed list all carry
the same code, and only the database knows whose it is. Everything here is pure (values
in, bytes out), so the door keeps working the same way in every chat platform.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

import matplotlib
import segno
from babel.dates import format_date
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ft2font import FT2Font
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from bot.core.files import spreadsheet_cell
from bot.core.i18n import _, current_language, ngettext
from cogs.events.calendar import event_zone, local_time
from storage.records.events import DoorEntry, EventRecord, EventStatus

# -- check-in codes ---------------------------------------------------------------------------

CODE_BYTES = 16
"""128 random bits: guessing a code at the door is hopeless, even with every code known."""
CODE_LENGTH = 26
"""Base32 characters for 16 bytes, without the ``======`` padding."""
SHORT_CODE = 8
"""Characters of the code printed on the door list: enough to find the line, not to
check in with (a printed list that goes astray gives nobody a working code)."""
_CODE = re.compile(r"[a-z2-7]{26}")
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—]+")
_MAX_CODE_INPUT = 80
"""Longer input is refused unread: a formatted code is 32 characters."""

START_PREFIX = "ci-"
"""Start payload of the check-in deep link: ``/start ci-<code>``."""


def new_checkin_code() -> str:
    """A fresh code: 26 lower-case base32 characters (a-z, 2-7), 128 bits from ``secrets``."""
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii").rstrip("=").lower()


def normalize_code(text: str) -> str | None:
    """The code in ``text`` as stored (raw, lower case), or None when it cannot be one.

    Accepts what people type or paste: the printed form (``ABCD-EFGH-…``), the raw form,
    any case, with spaces or dashes anywhere. Refuses the wrong length, characters outside
    base32 (0, 1, 8, 9 and punctuation) and codes whose unused last bits are set (no code
    we issue has them). Never raises; looks at no more than 80 characters.
    """
    if len(text) > _MAX_CODE_INPUT:
        return None
    code = _SEPARATORS.sub("", text).lower()
    if not _CODE.fullmatch(code):
        return None
    try:
        raw = base64.b32decode(code.upper() + "======")
    except (binascii.Error, ValueError):
        return None
    if len(raw) != CODE_BYTES or _encode(raw) != code:
        return None
    return code


def format_code(code: str) -> str:
    """Upper case in groups of four (``ABCD-EFGH-…-YZ``), for printing and for typing over.

    Formats what it is given (also a prefix of a code, see :func:`short_code`); it does
    not check that it is a code, :func:`normalize_code` does.
    """
    plain = _SEPARATORS.sub("", code).upper()
    return "-".join(plain[i : i + 4] for i in range(0, len(plain), 4))


def short_code(code: str) -> str:
    """The first eight characters, formatted (``ABCD-EFGH``): the door list's column."""
    return format_code(_SEPARATORS.sub("", code)[:SHORT_CODE])


def checkin_payload(code: str) -> str:
    """The start payload of a check-in link, ``ci-<code>``: what the QR code makes the bot
    receive (the platform turns it into a link). Raises ValueError for what is no code."""
    normalized = normalize_code(code)
    if normalized is None:
        raise ValueError("not a check-in code")
    return START_PREFIX + normalized


def code_from_start(payload: str | None) -> str | None:
    """The check-in code in a ``/start`` payload (``ci-<code>``), or None if there is none."""
    if not payload or len(payload) > 64 or not payload.startswith(START_PREFIX):
        return None
    return normalize_code(payload.removeprefix(START_PREFIX))


def _encode(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=").lower()


# -- QR code ----------------------------------------------------------------------------------

QR_ERROR = "m"
"""Error correction M (15 %): survives a cracked screen or a glare, stays a small symbol."""
QR_SCALE = 10
"""Pixels per module: a check-in link (version 4, 33 modules) becomes a 410 px square."""
QR_BORDER = 4
"""The quiet zone the standard asks for; scanners fail more often without it."""


def qr_code(data: str) -> segno.QRCode:
    """The QR symbol for ``data``, exactly as :func:`qr_png` draws it.

    Error correction is M and stays M (no boost), so the same data always gives the same
    symbol. Raises ValueError (segno's DataOverflowError) for data too long for a QR code.
    """
    if not data:
        raise ValueError("a QR code needs data")
    return segno.make(data, error=QR_ERROR, boost_error=False, micro=False)


def qr_png(data: str) -> bytes:
    """A PNG of the QR code for ``data`` (typically the link of a :func:`checkin_payload`)."""
    buffer = io.BytesIO()
    qr_code(data).save(buffer, kind="png", scale=QR_SCALE, border=QR_BORDER)
    return buffer.getvalue()


# -- the door list ----------------------------------------------------------------------------

CSV_HEADER = ("naam", "gast", "code", "ingecheckt", "sessies")
"""Fixed Dutch column names: a file format, the same whatever language asked for it."""


def door_list_csv(event: EventRecord, entries: Sequence[DoorEntry]) -> bytes:
    """The door list as CSV for a spreadsheet: UTF-8 with a BOM (so Excel reads é and
    emoji right), comma separated, sorted by name, check-in time in the event's time."""
    zone = event_zone(event)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for entry in _sorted(entries):
        checked_in = (
            local_time(entry.checked_in_at, zone).strftime("%H:%M") if entry.checked_in_at else ""
        )
        writer.writerow(
            [
                spreadsheet_cell(entry.name),
                "ja" if entry.guest else "nee",
                format_code(entry.checkin_code),
                checked_in,
                spreadsheet_cell("; ".join(entry.sessions)),
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def _sorted(entries: Sequence[DoorEntry]) -> list[DoorEntry]:
    """By name, ignoring case and accents (Émile among the e's, not after z); equal names
    in the order they signed up."""
    return sorted(entries, key=lambda e: (_name_key(e.name), e.name, e.signup_id))


def _name_key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


ROWS_PER_PAGE = 35
A4_INCHES = (8.27, 11.69)
_MARGIN = 0.6
_ROW_HEIGHT = 0.245
_NAME_CHARS = 40
_SESSION_CHARS = 30
_TITLE_CHARS = 64
_FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
_SANS = _FONTS / "DejaVuSans.ttf"
_SANS_BOLD = _FONTS / "DejaVuSans-Bold.ttf"
_MONO = _FONTS / "DejaVuSansMono.ttf"
_CHECK = "✓"
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


@dataclass(frozen=True, slots=True)
class DoorRow:
    checked_in: bool
    name: str
    guest: bool
    code: str
    """The short code (:func:`short_code`)."""
    sessions: str


@dataclass(frozen=True, slots=True)
class DoorPage:
    """One printed page, as text: what :func:`door_list_pdf` draws, and what tests read."""

    number: int
    pages: int
    heading: tuple[str, ...]
    """Title, date and time, place, number of people (each line only when known)."""
    columns: tuple[str, ...]
    rows: tuple[DoorRow, ...]
    note: str | None
    """Instead of rows when nobody signed up."""
    footer: str


def door_list_pages(event: EventRecord, entries: Sequence[DoorEntry]) -> list[DoorPage]:
    """The door list cut into A4 pages of :data:`ROWS_PER_PAGE` lines; every page repeats
    the heading, so a loose page still says which event it is for."""
    rows = [
        DoorRow(
            checked_in=entry.checked_in_at is not None,
            name=_printable(entry.name, _NAME_CHARS),
            guest=entry.guest,
            code=short_code(entry.checkin_code),
            sessions=_printable(", ".join(entry.sessions), _SESSION_CHARS),
        )
        for entry in _sorted(entries)
    ]
    chunks = [rows[i : i + ROWS_PER_PAGE] for i in range(0, len(rows), ROWS_PER_PAGE)] or [[]]
    heading = _heading(event, entries)
    columns = ("", _("Name"), "+1", _("Code"), _("Sessions"))
    return [
        DoorPage(
            number=number,
            pages=len(chunks),
            heading=heading,
            columns=columns,
            rows=tuple(chunk),
            note=None if entries else _("Nobody has signed up yet."),
            footer=_("page {page} of {pages}").format(page=number, pages=len(chunks)),
        )
        for number, chunk in enumerate(chunks, start=1)
    ]


def door_list_pdf(event: EventRecord, entries: Sequence[DoorEntry]) -> bytes:
    """The door list as a printable A4 PDF: a box to tick, name, +1, short code, sessions.

    Drawn on matplotlib ``Figure`` objects straight into ``PdfPages``: no pyplot, so no
    global figure state is shared between threads, and no backend is switched. The fonts
    are the DejaVu files that ship inside matplotlib (nothing is looked up or downloaded),
    and the PDF carries no creation date, so the same list gives the same bytes.
    """
    pages = door_list_pages(event, entries)
    buffer = io.BytesIO()
    metadata: dict[str, str | datetime | None] = {
        "Title": _printable(event.title, 200),
        "Creator": "Werkbot",
        "CreationDate": None,
    }
    with PdfPages(buffer, metadata=metadata) as pdf:
        for page in pages:
            figure = _draw(page)
            pdf.savefig(figure)
    return buffer.getvalue()


def _draw(page: DoorPage) -> Figure:
    """One page, laid out in inches from the bottom left of the sheet."""
    width, height = A4_INCHES
    figure = Figure(figsize=A4_INCHES)
    inches = figure.dpi_scale_trans
    sans, bold, mono = (FontProperties(fname=str(p)) for p in (_SANS, _SANS_BOLD, _MONO))

    def text(
        x: float, y: float, value: str, font: FontProperties, size: float, ha: str = "left"
    ) -> None:
        figure.text(
            x,
            y,
            value,
            transform=inches,
            fontproperties=font,
            fontsize=size,
            parse_math=False,
            va="baseline",
            ha=ha,
        )

    y = height - _MARGIN - 0.2
    title, *details = page.heading
    text(_MARGIN, y, title, bold, 15)
    y -= 0.32
    for line in details:
        text(_MARGIN, y, line, sans, 10.5)
        y -= 0.24

    columns = (_MARGIN, _MARGIN + 0.35, _MARGIN + 3.75, _MARGIN + 4.2, _MARGIN + 5.15)
    y -= 0.12
    for x, label in zip(columns, page.columns, strict=True):
        text(x, y, label, bold, 9.5)
    _rule(figure, y - 0.08, width, 0.9)
    y -= _ROW_HEIGHT + 0.05

    if page.note:
        text(_MARGIN, y, page.note, sans, 11)
    for row in page.rows:
        box = Rectangle(
            (columns[0], y - 0.03), 0.16, 0.16, transform=inches, fill=False, linewidth=0.8
        )
        figure.add_artist(box)
        if row.checked_in:
            text(columns[0] + 0.02, y, _CHECK, sans, 10)
        text(columns[1], y, row.name, sans, 9.5)
        text(columns[2], y, "+1" if row.guest else "", sans, 9.5)
        text(columns[3], y, row.code, mono, 9.5)
        text(columns[4], y, row.sessions, sans, 8.5)
        _rule(figure, y - 0.075, width, 0.3)
        y -= _ROW_HEIGHT

    text(width - _MARGIN, 0.45, page.footer, sans, 9, ha="right")
    return figure


def _rule(figure: Figure, y: float, width: float, linewidth: float) -> None:
    figure.add_artist(
        Line2D(
            [_MARGIN, width - _MARGIN],
            [y, y],
            transform=figure.dpi_scale_trans,
            linewidth=linewidth,
            color="#888888",
        )
    )


def _heading(event: EventRecord, entries: Sequence[DoorEntry]) -> tuple[str, ...]:
    title = _printable(event.title, _TITLE_CHARS)
    if event.status is EventStatus.CANCELLED:
        title = _("{title} (cancelled)").format(title=title)
    lines = [title, _printable(_when(event), 120)]
    venue = event.venue
    place = [p for p in (venue.name, venue.address) if p]
    if venue.online_url:
        place.append(_("Online"))
    if place:
        lines.append(_printable(", ".join(place), 120))
    guests = sum(1 for e in entries if e.guest)
    people = len(entries) + guests
    count = ngettext("{n} person", "{n} people", people).format(n=people)
    if guests:
        count += ", " + ngettext("including {n} guest", "including {n} guests", guests).format(
            n=guests
        )
    checked = sum(1 for e in entries if e.checked_in_at is not None)
    if checked:
        count += " · " + _("{n} checked in").format(n=checked)
    lines.append(count)
    return tuple(lines)


def _when(event: EventRecord) -> str:
    """``dinsdag 11 mei 2027, 10:00–17:00`` in the event's time and the reader's language."""
    zone = event_zone(event)
    start, end = local_time(event.starts_at, zone), local_time(event.ends_at, zone)
    language = current_language()
    first = format_date(start.date(), "EEEE d MMMM y", locale=language)
    if start.date() == end.date():
        return f"{first}, {start:%H:%M}–{end:%H:%M}"
    last = format_date(end.date(), "EEEE d MMMM y", locale=language)
    return f"{first} {start:%H:%M} – {last} {end:%H:%M}"


@cache
def _glyphs() -> frozenset[int]:
    """Code points the bundled DejaVu Sans can draw."""
    return frozenset(FT2Font(str(_SANS)).get_charmap())


def _printable(text: str, limit: int) -> str:
    """``text`` as the PDF can show it: characters the font lacks (emoji), control and
    invisible format characters (the joiners inside emoji) left out, white space
    collapsed, cut to ``limit`` with an ellipsis."""
    glyphs = _glyphs()
    kept = "".join(
        " " if c.isspace() else c
        for c in text[: limit * 4]
        if c.isspace()
        or (
            ord(c) in glyphs
            and unicodedata.category(c) not in _INVISIBLE
            and not "\ufe00" <= c <= "\ufe0f"
        )
    )
    kept = " ".join(kept.split())
    return kept if len(kept) <= limit else kept[: limit - 1].rstrip() + "…"
