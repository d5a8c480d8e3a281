"""The YAML format of a full survey, checked with the line number of every problem.

Organizers write these files by hand, so a mistake must say where it is ("line 12:
question 3: options needs 2 to 10 items") and nothing is created until the whole file is
right. The schema is documented in docs/surveys.md.
"""

from __future__ import annotations

import logging
from datetime import datetime

from yaml.nodes import Node, SequenceNode

# DefinitionError stays importable from here: the commands and the command line use it.
from bot.core.yamlfile import MAX_FILE_BYTES, Checker, DefinitionError, load
from storage.records.surveys import NewQuestion, NewSurvey, QuestionKind, ResultsShown, SurveyMode
from storage.vocabulary import SEGMENTS

log = logging.getLogger(__name__)

KINDS_OF_QUESTION = tuple(kind.value for kind in QuestionKind)
MAX_QUESTIONS = 15
MAX_OPTIONS = 10
MAX_OPTION_LENGTH = 60
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


def _question(checker: Checker, node: Node, number: int) -> NewQuestion | None:
    where = f"question {number}"
    fields = checker.mapping(node, where, QUESTION_KEYS)
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
    root = load(source, what="a survey file", max_bytes=MAX_FILE_BYTES)
    checker = Checker()
    fields = checker.mapping(root, "the survey", TOP_KEYS)
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
        audience = checker.audience(fields["audience"], AUDIENCE_CODES)
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
