"""Files that organizers write by hand in YAML, read safely and checked line by line.

A survey file, an event file: people type them, so a mistake must say where it is
("line 12: question 3: options needs 2 to 10 items"), every problem at once, and nothing
is created until the whole file is right. The same file may also come from someone who
means harm, so it is read within bounds before anything looks at it:

- :func:`load` takes at most :data:`MAX_FILE_BYTES` of UTF-8 and composes YAML *nodes*
  (never Python objects: no tags run, no timestamps or numbers are converted) with
  :class:`BoundedLoader`: at most :data:`MAX_DEPTH` levels deep, at most
  :data:`MAX_NODES` items, no aliases. ``[[[[…`` twenty thousand deep or a "billion
  laughs" of aliases is one line of error, not a crash.
- :class:`Checker` turns nodes into values (text, numbers, booleans, choices, lists,
  dates and times, mappings with known keys, audiences) and collects the problems as
  "line N: …"; the parser raises :class:`DefinitionError` with all of them at the end.

Nothing here knows a survey or an event: the formats live in their modules
(``cogs/surveys/definition.py``, ``cogs/events/definition.py``).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.core.bounds import EARLIEST, LATEST, parse_int
from bot.core.clock import LOCAL_ZONE

MAX_FILE_BYTES = 100_000
MAX_DEPTH = 8
"""A survey file is at most five levels deep (survey, questions, a question, its options,
an option), an event file four (event, sessions, a session, a value); anything deeper is
refused before it is built, so no nesting can exhaust the stack."""
MAX_NODES = 5_000


class DefinitionError(Exception):
    """The file is not valid; ``problems`` are "line N: ..." messages."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class Refused(Exception):
    """The file is not something a parser should build at all (too deep, aliases)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, limited to what a hand-written file needs.

    PyYAML composes nodes recursively, so ``[[[[…`` twenty thousand deep ends in a
    RecursionError; aliases (``*name``) can make a small file stand for a huge tree. This
    loader counts depth and nodes while it composes and refuses aliases outright.
    ``what`` names the file in the message about aliases ("a survey file").
    """

    def __init__(
        self,
        stream: str,
        *,
        what: str = "this file",
        max_depth: int = MAX_DEPTH,
        max_nodes: int = MAX_NODES,
    ) -> None:
        super().__init__(stream)
        self._what = what
        self._max_depth = max_depth
        self._max_nodes = max_nodes
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()
        line = event.start_mark.line + 1 if event.start_mark is not None else 1
        if isinstance(event, yaml.AliasEvent):
            raise Refused(line, f"aliases (*name) are not allowed in {self._what}")
        self._depth += 1
        self._nodes += 1
        if self._depth > self._max_depth:
            raise Refused(line, f"the file is nested more than {self._max_depth} levels deep")
        if self._nodes > self._max_nodes:
            raise Refused(line, f"the file has more than {self._max_nodes} items")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def decode(data: bytes, *, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The bytes of a file as text: at most ``max_bytes`` of UTF-8, else DefinitionError."""
    if len(data) > max_bytes:
        raise DefinitionError([f"line 1: the file is larger than {max_bytes} bytes"])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise DefinitionError(["line 1: the file is not UTF-8 text"]) from None


def load(source: str | bytes, *, what: str, max_bytes: int = MAX_FILE_BYTES) -> Node:
    """The root node of a hand-written YAML file, or :class:`DefinitionError` saying why not.

    Bytes are decoded with :func:`decode` (size, UTF-8); text is taken as it is. ``what``
    names the file in messages ("a survey file").
    """
    if isinstance(source, bytes):
        source = decode(source, max_bytes=max_bytes)
    loader: BoundedLoader | None = None
    try:
        loader = BoundedLoader(source, what=what)  # the reader refuses NUL and such here
        root = loader.get_single_node()
    except Refused as refused:
        raise DefinitionError([f"line {refused.line}: {refused.message}"]) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise DefinitionError([f"line {line}: not valid YAML: {error.problem}"]) from None
    except yaml.YAMLError as error:
        raise DefinitionError([f"line 1: not valid YAML: {error}"]) from None
    except (ValueError, OverflowError):
        # PyYAML's scanner calls chr() on "\UFFFFFFFF" and lets the error through.
        line = loader.get_mark().line + 1 if loader is not None else 1
        raise DefinitionError(
            [f"line {line}: not valid YAML: an escape is not a character"]
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
    if root is None:
        raise DefinitionError(["line 1: the file is empty"])
    return root


def line_of(node: Node | None) -> int:
    """The line (from 1) where ``node`` starts; 1 without a node."""
    if node is None or node.start_mark is None:
        return 1
    return int(node.start_mark.line) + 1


def _control_characters(value: str, *, lines: bool) -> bool:
    """Whether ``value`` holds characters no stored text should: controls (NUL breaks
    PostgreSQL), lone surrogates (not UTF-8 at all), and line breaks unless ``lines``."""
    allowed = "\n\t" if lines else ""
    return any(
        (unicodedata.category(char) in ("Cc", "Cs") and char not in allowed)
        or (not lines and char in "\u2028\u2029")
        for char in value
    )


@dataclass
class Checker:
    """Reads values out of nodes and collects every problem as "line N: …"."""

    problems: list[str] = field(default_factory=list)

    def add(self, node: Node | None, message: str) -> None:
        self.problems.append(f"line {line_of(node)}: {message}")

    def text(
        self,
        node: Node,
        what: str,
        *,
        limit: int,
        required: bool = True,
        lines: bool | None = None,
    ) -> str | None:
        """Stripped text of at most ``limit`` characters (empty only when not ``required``).

        ``lines``: None takes any characters (the survey format, as it always was); False
        refuses control characters and line breaks (a title); True refuses control
        characters but keeps line breaks and tabs (a description).
        """
        if not isinstance(node, ScalarNode):
            self.add(node, f"{what} must be text")
            return None
        value = str(node.value).strip()
        if not value and required:
            self.add(node, f"{what} is empty")
            return None
        if len(value) > limit:
            self.add(node, f"{what} is longer than {limit} characters")
            return None
        if lines is not None and _control_characters(value, lines=lines):
            self.add(
                node,
                f"{what} contains control characters"
                if lines
                else f"{what} must be one line without control characters",
            )
            return None
        return value

    def boolean(self, node: Node, what: str) -> bool | None:
        """true/yes/ja/on or false/no/nee/off."""
        value = str(getattr(node, "value", "")).strip().lower()
        if isinstance(node, ScalarNode) and value in ("true", "yes", "ja", "on"):
            return True
        if isinstance(node, ScalarNode) and value in ("false", "no", "nee", "off"):
            return False
        self.add(node, f"{what} must be true or false")
        return None

    def number(self, node: Node, what: str, *, integer: bool = False) -> float | None:
        """A finite number (``integer``: one without a fraction, like 3 or 3.0)."""
        if isinstance(node, ScalarNode):
            try:
                value = float(str(node.value).strip())
            except ValueError:
                value = math.nan
            if math.isfinite(value) and (not integer or value == int(value)):
                return value
        self.add(node, f"{what} must be a {'whole number' if integer else 'number'}")
        return None

    def whole(self, node: Node, what: str, *, low: int, high: int) -> int | None:
        """A whole number in ASCII digits within ``low``..``high`` (read only when it has
        at most 19 digits: a 5,000-digit "number" is refused, not converted)."""
        if isinstance(node, ScalarNode):
            value = parse_int(str(node.value), low=low, high=high)
            if value is not None:
                return value
        self.add(node, f"{what} must be a whole number from {low} to {high}")
        return None

    def moment(self, node: Node, what: str, *, exact: bool = False) -> datetime | None:
        """A date and time as aware UTC; without an offset it is Dutch time.

        Years from :data:`EARLIEST` up to (not including) :data:`LATEST`. With ``exact``, a
        Dutch time that does not exist (the hour skipped when summer time starts) is
        refused, and so is one that happens twice (the hour when the clocks go back)
        unless the offset is written; without it both are taken as Python reads them.
        """
        raw = str(getattr(node, "value", "")).strip()
        try:
            value = datetime.fromisoformat(raw.replace(" ", "T", 1) if "T" not in raw else raw)
        except ValueError:
            self.add(node, f"{what} must be a date and time like 2026-12-01 09:00")
            return None
        # Check the year before any time-zone arithmetic: 0001-01-01 in Dutch time is
        # before the first moment Python can represent in UTC.
        if not EARLIEST.year <= value.year < LATEST.year:
            self.add(node, f"{what} must lie between {EARLIEST.year} and {LATEST.year - 1}")
            return None
        if value.tzinfo is None:
            local = value.replace(tzinfo=LOCAL_ZONE)  # the association works in Dutch time
            if exact and _skipped(local):
                self.add(
                    node,
                    f"{what}: {raw} does not exist in Dutch time (the clocks go forward an "
                    "hour that night); choose another time",
                )
                return None
            if exact and _twice(local):
                first, second = (_offset(local.replace(fold=fold)) for fold in (0, 1))
                self.add(
                    node,
                    f"{what}: {raw} happens twice in Dutch time (the clocks go back an hour "
                    f"that night); write which one, e.g. {raw}{first} (summer time) or "
                    f"{raw}{second} (winter time)",
                )
                return None
            value = local
        return value.astimezone(UTC)

    def choice(self, node: Node, what: str, allowed: tuple[str, ...]) -> str | None:
        """One of ``allowed`` (case does not matter)."""
        value = str(getattr(node, "value", "")).strip().lower()
        if not isinstance(node, ScalarNode) or value not in allowed:
            self.add(node, f"{what} must be one of: {', '.join(allowed)}")
            return None
        return value

    def strings(self, node: Node, what: str, *, limit: int) -> list[str] | None:
        """A list of texts, each at most ``limit`` characters."""
        if not isinstance(node, SequenceNode):
            self.add(node, f"{what} must be a list (lines starting with '- ')")
            return None
        values = []
        for item in node.value:
            value = self.text(item, f"an item of {what}", limit=limit)
            if value is None:
                return None
            values.append(value)
        return values

    def link(self, node: Node, what: str, *, limit: int) -> str | None:
        """An http(s) link of at most ``limit`` characters, without spaces."""
        value = self.text(node, what, limit=limit, lines=False)
        if value is None:
            return None
        try:
            parts = urlsplit(value)
            host = parts.hostname
        except ValueError:
            host = None
        scheme = value.split(":", 1)[0].lower()
        if scheme not in ("http", "https") or not host or any(c.isspace() for c in value):
            self.add(node, f"{what} must be an http(s) link like https://example.org/…")
            return None
        return value

    def mapping(self, node: Node, what: str, allowed: set[str]) -> dict[str, Node]:
        """The ``key: value`` lines of ``node`` by key; unknown and repeated keys are
        problems (and left out)."""
        if not isinstance(node, MappingNode):
            self.add(node, f"{what} must be a set of 'key: value' lines")
            return {}
        found: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value).strip()
            if key not in allowed:
                self.add(
                    key_node, f"unknown key '{key}' in {what} (known: {', '.join(sorted(allowed))})"
                )
            elif key in found:
                self.add(key_node, f"'{key}' appears twice in {what}")
            else:
                found[key] = value_node
        return found

    def audience(self, node: Node, codes: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
        """Segments of members: for each field of ``codes`` (``province``…) a list of its
        codes, in lower case. Unknown fields and codes are problems; empty lists are left
        out (no limit on that field)."""
        audience: dict[str, list[str]] = {}
        segments = self.mapping(node, "audience", set(codes))
        for name, values_node in segments.items():
            values = self.strings(values_node, f"audience: {name}", limit=40)
            if values is None:
                continue
            found = [value.lower() for value in values]
            unknown = [code for code in found if code not in codes[name]]
            if unknown:
                self.add(
                    values_node,
                    f"audience: {name}: unknown {', '.join(unknown)} (known: "
                    f"{', '.join(codes[name])})",
                )
            elif found:
                audience[name] = found
        return audience


def _skipped(local: datetime) -> bool:
    """Whether a wall-clock time falls in the hour skipped when summer time starts."""
    there_and_back = local.astimezone(UTC).astimezone(local.tzinfo)
    return there_and_back.replace(tzinfo=None) != local.replace(tzinfo=None)


def _twice(local: datetime) -> bool:
    """Whether a wall-clock time happens twice (the hour when the clocks go back)."""
    return local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset()


def _offset(local: datetime) -> str:
    """``+02:00``: the UTC offset of an aware time as written in a file."""
    text = local.strftime("%z")
    return f"{text[:3]}:{text[3:5]}"


def has_top_key(data: bytes, key: str) -> bool:
    """Whether a file has ``key:`` at the start of a line (a top-level key), judged from its
    first 100 kB without parsing: how modules tell their files apart (a survey has
    ``questions:``, an event ``starts:``) before one of them reads it."""
    pattern = re.compile(rb"^" + re.escape(key.encode("ascii")) + rb"[ \t]*:", re.MULTILINE)
    return pattern.search(data[:MAX_FILE_BYTES]) is not None


def by_line(problems: list[str]) -> list[str]:
    """Problems in the order of the file ("line 7: …"), as the organizer reads it."""

    def line(problem: str) -> int:
        number = problem.removeprefix("line ").split(":", 1)[0]
        return int(number) if number.isdigit() else 0

    return sorted(problems, key=line)
