"""The YAML format of a full survey, checked with the line number of every problem.

Organizers write these files by hand, so a mistake must say where it is ("line 12:
question 3: options needs 2 to 10 items") and nothing is created until the whole file is
right. The schema is documented in docs/surveys.md.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.core.bounds import EARLIEST, LATEST
from bot.core.clock import LOCAL_ZONE
from storage.records.surveys import NewQuestion, NewSurvey, QuestionKind, ResultsShown, SurveyMode
from storage.vocabulary import SEGMENTS

log = logging.getLogger(__name__)

KINDS_OF_QUESTION = tuple(kind.value for kind in QuestionKind)
MAX_QUESTIONS = 15
MAX_OPTIONS = 10
MAX_OPTION_LENGTH = 60
MAX_FILE_BYTES = 100_000
AUDIENCE_CODES = {name: [code.value for code in codes] for name, codes in SEGMENTS.items()}
TOP_KEYS = {"title", "intro", "mode", "results", "opens", "closes", "audience", "questions"}
QUESTION_KEYS = {
    "type",
    "text",
    "options",
    "max",
    "labels",
    "min",
    "max_length",
    "explain",
    "required",
}


MAX_DEPTH = 8
"""A survey file is at most five levels deep (survey, questions, a question, its options,
an option);
anything deeper is refused before it is built, so no nesting can exhaust the stack."""
MAX_NODES = 5_000


class _Refused(Exception):
    """The file is not something a survey parser should build at all (too deep, aliases)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, limited to what a survey file needs.

    PyYAML composes nodes recursively, so ``[[[[…`` twenty thousand deep ends in a
    RecursionError; aliases (``*name``) can make a small file stand for a huge tree. This
    loader counts depth and nodes while it composes and refuses aliases outright.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()
        line = event.start_mark.line + 1 if event.start_mark is not None else 1
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(line, "aliases (*name) are not allowed in a survey file")
        self._depth += 1
        self._nodes += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(line, f"the file is nested more than {MAX_DEPTH} levels deep")
        if self._nodes > MAX_NODES:
            raise _Refused(line, f"the file has more than {MAX_NODES} items")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _compose(source: str) -> Node | None:
    loader = _BoundedLoader(source)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


class DefinitionError(Exception):
    """The file is not a valid survey; ``problems`` are "line N: ..." messages."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class _Checker:
    problems: list[str] = field(default_factory=list)

    def add(self, node: Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.problems.append(f"line {line}: {message}")

    def text(self, node: Node, what: str, *, limit: int, required: bool = True) -> str | None:
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
        return value

    def boolean(self, node: Node, what: str) -> bool | None:
        value = str(getattr(node, "value", "")).strip().lower()
        if isinstance(node, ScalarNode) and value in ("true", "yes", "ja", "on"):
            return True
        if isinstance(node, ScalarNode) and value in ("false", "no", "nee", "off"):
            return False
        self.add(node, f"{what} must be true or false")
        return None

    def number(self, node: Node, what: str, *, integer: bool = False) -> float | None:
        if isinstance(node, ScalarNode):
            try:
                value = float(str(node.value).strip())
            except ValueError:
                value = math.nan
            if math.isfinite(value) and (not integer or value == int(value)):
                return value
        self.add(node, f"{what} must be a {'whole number' if integer else 'number'}")
        return None

    def moment(self, node: Node, what: str) -> datetime | None:
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
            value = value.replace(tzinfo=LOCAL_ZONE)  # the association works in Dutch time
        return value.astimezone(UTC)

    def choice(self, node: Node, what: str, allowed: tuple[str, ...]) -> str | None:
        value = str(getattr(node, "value", "")).strip().lower()
        if not isinstance(node, ScalarNode) or value not in allowed:
            self.add(node, f"{what} must be one of: {', '.join(allowed)}")
            return None
        return value

    def strings(self, node: Node, what: str, *, limit: int) -> list[str] | None:
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


def _mapping(checker: _Checker, node: Node, what: str, allowed: set[str]) -> dict[str, Node]:
    if not isinstance(node, MappingNode):
        checker.add(node, f"{what} must be a set of 'key: value' lines")
        return {}
    found: dict[str, Node] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value).strip()
        if key not in allowed:
            checker.add(
                key_node, f"unknown key '{key}' in {what} (known: {', '.join(sorted(allowed))})"
            )
        elif key in found:
            checker.add(key_node, f"'{key}' appears twice in {what}")
        else:
            found[key] = value_node
    return found


def _question(checker: _Checker, node: Node, number: int) -> NewQuestion | None:
    where = f"question {number}"
    fields = _mapping(checker, node, where, QUESTION_KEYS)
    if not fields:
        return None
    before = len(checker.problems)
    if "type" not in fields:
        checker.add(node, f"{where}: 'type' is missing ({', '.join(KINDS_OF_QUESTION)})")
        return None
    kind = checker.choice(fields["type"], f"{where}: type", KINDS_OF_QUESTION)
    if "text" not in fields:
        checker.add(node, f"{where}: 'text' is missing")
        text = None
    else:
        text = checker.text(fields["text"], f"{where}: text", limit=500)
    if kind is None:
        return None
    allowed = {"type", "text", "required"} | {
        "single": {"options", "explain"},
        "multiple": {"options", "max", "explain"},
        "scale": {"labels", "explain"},
        "number": {"min", "max"},
        "text": {"max_length"},
    }[kind]
    for key, value_node in fields.items():
        if key not in allowed:
            checker.add(value_node, f"{where}: '{key}' does not apply to a {kind} question")
    options: list[str] = []
    labels: list[str] = []
    max_choices = max_length = None
    min_value = max_value = None
    if kind in ("single", "multiple"):
        if "options" not in fields:
            checker.add(node, f"{where}: 'options' is missing")
        else:
            found = checker.strings(fields["options"], f"{where}: options", limit=MAX_OPTION_LENGTH)
            if found is not None and not 2 <= len(found) <= MAX_OPTIONS:
                checker.add(fields["options"], f"{where}: options needs 2 to {MAX_OPTIONS} items")
            elif found is not None and len(set(found)) != len(found):
                checker.add(fields["options"], f"{where}: two options are the same")
            options = found or []
        if kind == "multiple":
            max_choices = len(options) or None
            if "max" in fields:
                value = checker.number(fields["max"], f"{where}: max", integer=True)
                if value is not None and options and not 1 <= value <= len(options):
                    checker.add(fields["max"], f"{where}: max must be 1 to {len(options)}")
                elif value is not None:
                    max_choices = int(value)
    if kind == "scale":
        labels = ["1", "5"]
        if "labels" in fields:
            found = checker.strings(fields["labels"], f"{where}: labels", limit=40)
            if found is not None and len(found) not in (2, 5):
                checker.add(
                    fields["labels"],
                    f"{where}: labels needs 2 items (for 1 and 5) or 5 items (one per value)",
                )
            elif found is not None:
                labels = found
    if kind == "number":
        for key in ("min", "max"):
            if key in fields:
                value = checker.number(fields[key], f"{where}: {key}")
                if key == "min":
                    min_value = value
                else:
                    max_value = value
        if min_value is not None and max_value is not None and min_value >= max_value:
            checker.add(fields["max"], f"{where}: max must be larger than min")
    if kind == "text":
        max_length = 500
        if "max_length" in fields:
            value = checker.number(fields["max_length"], f"{where}: max_length", integer=True)
            if value is not None and not 1 <= value <= 2000:
                checker.add(fields["max_length"], f"{where}: max_length must be 1 to 2000")
            elif value is not None:
                max_length = int(value)
    explain = required = None
    if "explain" in fields:
        explain = checker.boolean(fields["explain"], f"{where}: explain")
    if "required" in fields:
        required = checker.boolean(fields["required"], f"{where}: required")
    if len(checker.problems) != before or text is None:
        return None
    return NewQuestion(
        kind=QuestionKind(kind),
        text=text,
        options=tuple(options),
        labels=tuple(labels),
        max_choices=max_choices,
        min_value=min_value,
        max_value=max_value,
        max_length=max_length,
        explain=bool(explain),
        required=True if required is None else required,
    )


def parse_definition(source: str | bytes, *, created_by: str | None = None) -> NewSurvey:
    """Read a survey file; raise :class:`DefinitionError` listing every problem by line."""
    if isinstance(source, bytes):
        if len(source) > MAX_FILE_BYTES:
            raise DefinitionError([f"line 1: the file is larger than {MAX_FILE_BYTES} bytes"])
        try:
            source = source.decode("utf-8")
        except UnicodeDecodeError:
            raise DefinitionError(["line 1: the file is not UTF-8 text"]) from None
    try:
        root = _compose(source)
    except _Refused as refused:
        raise DefinitionError([f"line {refused.line}: {refused.message}"]) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise DefinitionError([f"line {line}: not valid YAML: {error.problem}"]) from None
    except yaml.YAMLError as error:
        raise DefinitionError([f"line 1: not valid YAML: {error}"]) from None
    checker = _Checker()
    if root is None:
        raise DefinitionError(["line 1: the file is empty"])
    fields = _mapping(checker, root, "the survey", TOP_KEYS)
    title = intro = None
    if "title" not in fields:
        checker.add(root, "'title' is missing")
    else:
        title = checker.text(fields["title"], "title", limit=200)
    if "intro" in fields:
        intro = checker.text(fields["intro"], "intro", limit=2000, required=False)
    mode = "anonymous"
    if "mode" in fields:
        mode = checker.choice(fields["mode"], "mode", ("anonymous", "named")) or mode
    results = "after_close"
    if "results" in fields:
        results = checker.choice(fields["results"], "results", ("after_close", "live")) or results
    opens = closes = None
    if "opens" in fields:
        opens = checker.moment(fields["opens"], "opens")
    if "closes" not in fields:
        checker.add(root, "'closes' is missing (when the survey closes, e.g. 2026-12-14 18:00)")
    else:
        closes = checker.moment(fields["closes"], "closes")
    if opens and closes and closes <= opens:
        checker.add(fields["closes"], "closes must be after opens")
    audience: dict[str, list[str]] = {}
    if "audience" in fields:
        segments = _mapping(checker, fields["audience"], "audience", set(AUDIENCE_CODES))
        for name, node in segments.items():
            values = checker.strings(node, f"audience: {name}", limit=40)
            if values is None:
                continue
            codes = [value.lower() for value in values]
            unknown = [code for code in codes if code not in AUDIENCE_CODES[name]]
            if unknown:
                checker.add(
                    node,
                    f"audience: {name}: unknown {', '.join(unknown)} (known: "
                    f"{', '.join(AUDIENCE_CODES[name])})",
                )
            elif codes:
                audience[name] = codes
    questions: list[NewQuestion] = []
    if "questions" not in fields:
        checker.add(root, "'questions' is missing")
    elif not isinstance(fields["questions"], SequenceNode):
        checker.add(fields["questions"], "questions must be a list (lines starting with '- ')")
    else:
        items = fields["questions"].value
        if not 1 <= len(items) <= MAX_QUESTIONS:
            checker.add(fields["questions"], f"a survey has 1 to {MAX_QUESTIONS} questions")
        for number, item in enumerate(items, start=1):
            question = _question(checker, item, number)
            if question is not None:
                questions.append(question)
    if checker.problems:
        raise DefinitionError(checker.problems)
    assert title is not None
    return NewSurvey(
        title=title,
        intro=intro or "",
        mode=SurveyMode(mode),
        results=ResultsShown(results),
        audience=audience,
        opens_at=opens,
        closes_at=closes,
        created_by=created_by,
        questions=tuple(questions),
    )


def quick_poll(text: str, closes_at: datetime, created_by: str | None) -> NewSurvey:
    """``Question? | option 1 | option 2``: a one-question anonymous poll with live results."""
    parts = [part.strip() for part in text.split("|")]
    question, options = parts[0], [part for part in parts[1:] if part]
    problems = []
    if not question or len(question) > 500:
        problems.append("the question must be 1 to 500 characters")
    if not 2 <= len(options) <= MAX_OPTIONS:
        problems.append(f"give 2 to {MAX_OPTIONS} options, separated by |")
    if any(len(option) > MAX_OPTION_LENGTH for option in options):
        problems.append(f"an option may be at most {MAX_OPTION_LENGTH} characters")
    if len(set(options)) != len(options):
        problems.append("two options are the same")
    if problems:
        raise DefinitionError(problems)
    return NewSurvey(
        title=question[:200],
        intro="",
        mode=SurveyMode.ANONYMOUS,
        results=ResultsShown.LIVE,
        audience={},
        opens_at=None,
        closes_at=closes_at,
        created_by=created_by,
        questions=(NewQuestion(kind=QuestionKind.SINGLE, text=question, options=tuple(options)),),
    )
