"""An organizer's list of campaign targets as CSV, checked with the line of every problem.

The Tweede Kamer's members come from its open data (``werkbot targets refresh``); everyone
else a campaign may address (a party's programme committee, a ministry, a municipality)
comes from a spreadsheet an organizer saves as CSV:

```text
naam;soort;partij;commissies;email;id
Programmacommissie GroenLinks-PvdA;partij;GroenLinks-PvdA;;programma@example.org;
Ministerie van Sociale Zaken en Werkgelegenheid;ministerie;;;;szw
Gemeente Utrecht;gemeente;;;info@example.org;gm0344
Jan Jansen;kamerlid;VVD;Sociale Zaken en Werkgelegenheid|Financiën;;
```

The rules:

- UTF-8, with or without a byte-order mark (Excel's "CSV UTF-8"); at most
  :data:`MAX_CSV_BYTES` bytes and :data:`MAX_ROWS` rows. Separated by ``,`` or ``;``
  (whichever the header line uses most; Excel's ``sep=;`` first line is understood).
  Quotes as Excel writes them (``"Zaken, Economische"``). Empty lines are skipped.
- The first line names the columns, in any order and case: ``naam`` (required),
  ``soort``, ``partij``, ``commissies``, ``email`` (also ``e-mail``), ``id``. Unknown or
  repeated columns are errors.
- ``naam``: 1 to 200 characters, one line. ``soort``: a target kind (kamerlid, partij,
  commissie, ministerie, gemeente, anders); empty is anders. ``partij``: up to 100
  characters. ``commissies``: names separated by ``|`` (at most 50, each up to 200
  characters). ``email``: one address like naam@voorbeeld.nl, no line breaks, no second
  address. ``id``: up to 100 characters, unique in the file; without it the id is derived
  from the name and kind, so the same row keeps its target when the file is loaded again.
- A target without an e-mail address is fine: it is kept and shown as such.

Every problem names its line ("line 7: soort 'minister' is not one of: …"), all of them at
once (at most :data:`MAX_PROBLEMS`), and :class:`~bot.core.yamlfile.DefinitionError` is
raised before anything is stored: a file with one wrong line changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field

from bot.core.yamlfile import DefinitionError
from storage.records.campaigns import NewTarget, TargetKind

__all__ = [
    "COLUMNS",
    "MAX_CSV_BYTES",
    "MAX_ROWS",
    "DefinitionError",
    "clean_email",
    "derived_id",
    "parse_target_csv",
]

SOURCE = "csv"
MAX_CSV_BYTES = 1_000_000
MAX_ROWS = 5_000
MAX_PROBLEMS = 50
MAX_NAME = 200
MAX_PARTY = 100
MAX_COMMITTEE = 200
MAX_COMMITTEES = 50
MAX_ID = 100
MAX_EMAIL = 254

COLUMNS = ("naam", "soort", "partij", "commissies", "email", "id")
_ALIASES = {"e-mail": "email", "e-mailadres": "email", "emailadres": "email", "mail": "email"}
KINDS = tuple(kind.value for kind in TargetKind)

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"(?:{_LABEL}\.)+[A-Za-z](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?")
_SEP_LINE = re.compile(r"sep=(.)", re.IGNORECASE)
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _one_line(value: str) -> bool:
    """No control characters, line breaks, lone surrogates or direction overrides (which
    would make a name show as something else in a chat)."""
    return not any(
        unicodedata.category(char) in ("Cc", "Cs") or char in "\u2028\u2029" or char in _BIDI
        for char in value
    )


def _shown(value: str) -> str:
    """A value quoted in a problem: short, and only printable characters."""
    return "".join(char if char.isprintable() else "?" for char in value.strip()[:40])


def clean_email(value: str) -> str:
    """One e-mail address (the domain in lower case), or ValueError saying what is wrong.

    Nothing a mail header could be split on gets through: no line breaks or other control
    characters, no spaces, commas or semicolons, no display name, exactly one ``@``.
    """
    text = value.strip()
    if not _one_line(text):
        raise ValueError("must be one line without control characters")
    if len(text) > MAX_EMAIL:
        raise ValueError(f"is longer than {MAX_EMAIL} characters")
    if "@" not in text:
        raise ValueError("is not an e-mail address like naam@voorbeeld.nl")
    if text.count("@") > 1 or any(char in text for char in ",; <>"):
        raise ValueError("must be one address, like naam@voorbeeld.nl")
    local, domain = text.split("@")
    if not local or len(local) > 64 or not _LOCAL.fullmatch(local) or not _DOMAIN.fullmatch(domain):
        raise ValueError("is not an e-mail address like naam@voorbeeld.nl")
    return f"{local}@{domain.lower()}"


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def derived_id(name: str, kind: TargetKind) -> str:
    """The external id of a row without one: the same name and kind give the same id
    (case and spacing aside), in every load of the file."""
    digest = hashlib.sha256(f"{kind.value}\n{_fold(name)}".encode()).hexdigest()
    return f"{kind.value}-{digest[:24]}"


def _decode(data: bytes) -> str:
    if len(data) > MAX_CSV_BYTES:
        raise DefinitionError([f"line 1: the file is larger than {MAX_CSV_BYTES:,} bytes"])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise DefinitionError(
            [f"line {line}: the file is not UTF-8 text (save it as \"CSV UTF-8\")"]
        ) from None
    text = text.removeprefix("\ufeff")
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise DefinitionError([f"line {line}: the file holds binary data, not text"])
    if not text.strip():
        raise DefinitionError(["line 1: the file is empty"])
    return text


def _delimiter(text: str) -> tuple[str, bool]:
    """The separator, and whether the first line is Excel's ``sep=;`` (to be skipped)."""
    first = text.splitlines()[0].strip()
    hint = _SEP_LINE.fullmatch(first)
    if hint is not None:
        if hint.group(1) not in ",;":
            raise DefinitionError(["line 1: the separator must be , or ;"])
        return hint.group(1), True
    return (";" if first.count(";") > first.count(",") else ","), False


@dataclass
class _Rows:
    """The problems found so far, and what the rows gave."""

    problems: list[str] = field(default_factory=list)
    more: int = 0
    targets: list[NewTarget] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)

    def add(self, line: int, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(f"line {line}: {message}")
        else:
            self.more += 1

    def text(self, line: int, value: str, what: str, limit: int) -> str | None:
        """Stripped one-line text of at most ``limit`` characters ("" when empty)."""
        value = value.strip()
        if not _one_line(value):
            self.add(line, f"{what} must be one line without control characters")
            return None
        if len(value) > limit:
            self.add(line, f"{what} is longer than {limit} characters")
            return None
        return value


def _header(row: list[str], line: int) -> list[str | None]:
    """The column of each cell of the header (None: a cell without a name)."""
    problems: list[str] = []
    columns: list[str | None] = []
    for cell in row:
        name = cell.strip().casefold()
        name = _ALIASES.get(name, name)
        if not name:
            columns.append(None)
        elif name not in COLUMNS:
            shown = _shown(cell)
            problems.append(
                f"line {line}: unknown column '{shown}' (known: {', '.join(COLUMNS)})"
            )
            columns.append(None)
        elif name in columns:
            problems.append(f"line {line}: the column '{name}' appears twice")
            columns.append(None)
        else:
            columns.append(name)
    if "naam" not in columns and not problems:
        problems.append(
            f"line {line}: the first line must name the columns; 'naam' is missing "
            f"(known: {', '.join(COLUMNS)})"
        )
    if problems:
        raise DefinitionError(problems)
    return columns


def _row(rows: _Rows, line: int, cells: dict[str, str]) -> None:
    before = len(rows.problems) + rows.more
    name = rows.text(line, cells.get("naam", ""), "naam", MAX_NAME)
    if name == "":
        rows.add(line, "naam is empty")
        name = None
    kind_text = cells.get("soort", "").strip().casefold()
    kind = TargetKind.OTHER
    if kind_text:
        if kind_text in KINDS:
            kind = TargetKind(kind_text)
        else:
            rows.add(
                line, f"soort '{_shown(kind_text)}' is not one of: {', '.join(KINDS)}"
            )
    party = rows.text(line, cells.get("partij", ""), "partij", MAX_PARTY)
    committees: list[str] = []
    for part in cells.get("commissies", "").split("|"):
        committee = rows.text(line, part, "a committee", MAX_COMMITTEE)
        if committee and _fold(committee) not in {_fold(known) for known in committees}:
            committees.append(committee)
    if len(committees) > MAX_COMMITTEES:
        rows.add(line, f"commissies names more than {MAX_COMMITTEES} committees")
    email: str | None = None
    raw_email = cells.get("email", "").strip()
    if raw_email:
        try:
            email = clean_email(raw_email)
        except ValueError as problem:
            rows.add(line, f"email {problem}")
    external_id = rows.text(line, cells.get("id", ""), "id", MAX_ID)
    if len(rows.problems) + rows.more > before or name is None or external_id is None:
        return
    given = bool(external_id)
    if not given:
        external_id = derived_id(name, kind)
    earlier = rows.seen.get(external_id)
    if earlier is not None:
        rows.add(
            line,
            f"id '{external_id}' is also on line {earlier}"
            if given
            else f"the same naam and soort as line {earlier} (give each row an id to keep both)",
        )
        return
    rows.seen[external_id] = line
    rows.targets.append(
        NewTarget(
            source=SOURCE,
            external_id=external_id,
            name=name,
            kind=kind,
            party=party or None,
            committees=tuple(committees),
            email=email,
        )
    )


def parse_target_csv(data: bytes) -> list[NewTarget]:
    """The targets of an organizer's CSV file (source ``csv``), or DefinitionError with
    every problem as "line N: …" (nothing is stored then)."""
    text = _decode(data)
    delimiter, skip_first = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows = _Rows()
    columns: list[str | None] | None = None
    count = 0
    last = 0
    try:
        if skip_first:
            next(reader, None)
            last = reader.line_num
        for cells in reader:
            line = last + 1  # where this row starts (a quoted value may hold line breaks)
            last = reader.line_num
            if columns is None:
                columns = _header(cells, line)
                continue
            if not any(cell.strip() for cell in cells):
                continue
            count += 1
            if count > MAX_ROWS:
                rows.add(line, f"the file has more than {MAX_ROWS:,} rows; split it in parts")
                break
            values: dict[str, str] = {}
            stray: int | None = None
            for index, cell in enumerate(cells):
                column = columns[index] if index < len(columns) else None
                if column is not None:
                    values[column] = cell
                elif cell.strip() and stray is None:
                    stray = index + 1
            if stray is not None:
                rows.add(
                    line,
                    f"a value in column {stray}, which the first line does not name "
                    "(does a value with a separator in it miss its quotes?)",
                )
                continue
            _row(rows, line, values)
    except csv.Error as error:
        rows.add(reader.line_num or last + 1, f"not valid CSV: {error}")
    if columns is None:
        raise DefinitionError(["line 1: the file is empty"])
    if rows.more:
        rows.problems.append(f"line {last}: and {rows.more} more problems")
    if rows.problems:
        raise DefinitionError(rows.problems)
    if not rows.targets:
        raise DefinitionError([f"line {last or 1}: the file has no rows under the first line"])
    return rows.targets
