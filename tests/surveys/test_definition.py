"""Survey files: a good one becomes a draft, a bad one names every problem by line."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.app import Werkbot
from cogs.surveys.definition import DefinitionError, parse_definition, quick_poll
from config import Settings
from storage.types import utcnow
from tests.support.chat import RecordingChat, text_of
from tests.surveys.conftest import FIVE_QUESTIONS

GOOD = FIVE_QUESTIONS.format(mode="named", results="live", closes="2099-12-14 18:00")

BAD = """\
title: Kapotte peiling
mode: geheim
closes: morgen
audience:
  province: [utrecht, atlantis]
questions:
  - type: single
    text: Kies maar
    options: [alleen een]
  - type: scale
    text: Hoe?
    options: [a, b]
  - text: Zonder type
  - type: number
    text: Hoeveel?
    min: 10
    max: 5
  - type: multiple
    text: Meer?
    options: [a, b, c]
    max: 7
kleur: rood
"""


def test_a_good_file_gives_the_survey() -> None:
    survey = parse_definition(GOOD)
    assert (
        survey.title == "Werk en zekerheid" and survey.mode == "named" and survey.results == "live"
    )
    kinds = [q.kind for q in survey.questions]
    assert kinds == ["single", "multiple", "scale", "number", "text"]
    assert survey.questions[0].explain and survey.questions[1].max_choices == 2
    assert survey.questions[3].min_value == 0 and survey.questions[3].max_value == 80
    assert not survey.questions[4].required and survey.questions[4].max_length == 200
    assert survey.closes_at is not None and survey.closes_at.utcoffset() is not None
    assert survey.closes_at.hour == 17  # 18:00 Dutch winter time is 17:00 UTC


def test_every_problem_is_named_with_its_line() -> None:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(BAD)
    problems = caught.value.problems
    expected = [
        "line 2: mode must be one of: anonymous, named",
        "line 3: closes must be a date and time",
        "line 5: audience: province: unknown atlantis",
        "line 9: question 1: options needs 2 to 10 items",
        "line 12: question 2: 'options' does not apply to a scale question",
        "line 13: question 3: 'type' is missing",
        "line 17: question 4: max must be larger than min",
        "line 21: question 5: max must be 1 to 3",
        "line 22: unknown key 'kleur'",
    ]
    for start in expected:
        assert any(problem.startswith(start) for problem in problems), (start, problems)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("title: [unclosed", "line 1: not valid YAML"),
        ("", "line 1: the file is empty"),
        ("- just\n- a list\n", "line 1: the survey must be a set of 'key: value' lines"),
        ("title: x\ncloses: 2099-01-01 10:00\nquestions: []\n", "line 3: a survey has 1 to 15"),
        (b"\xff\xfe", "line 1: the file is not UTF-8 text"),
    ],
)
def test_broken_files(source: str | bytes, expected: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(source)
    assert any(problem.startswith(expected) for problem in caught.value.problems), (
        caught.value.problems
    )


def test_quick_poll_needs_two_options() -> None:
    with pytest.raises(DefinitionError):
        quick_poll("Alleen een vraag?", utcnow(), None)
    poll = quick_poll("Thuiswerken? | ja | nee | soms", utcnow(), None)
    assert poll.questions[0].options == ("ja", "nee", "soms")


async def test_a_malformed_upload_creates_nothing(app: Werkbot, chat: RecordingChat) -> None:
    replies = await chat.upload("olga", "kapot.yaml", BAD.encode())
    shown = text_of(replies)
    assert "nothing was created" in shown and "line 9: question 1" in shown
    assert await app.surveys.service.all() == []


async def test_only_organizers_upload_surveys(app: Werkbot, chat: RecordingChat) -> None:
    replies = await chat.upload("someone", "peiling.yaml", GOOD.encode())
    assert "Only organizers" in text_of(replies)
    assert await app.surveys.service.all() == []
    other = await chat.upload("olga", "foto.png", b"\x89PNG")
    assert "don't know what to do with this file" in text_of(other)


def test_the_command_line_import(tmp_path: Path, make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    env = {
        "DATABASE_URL": settings.database_url,
        "DATA_DIR": str(settings.data_dir),
        "PATH": "/usr/bin:/bin",
    }
    good = tmp_path / "goed.yaml"
    good.write_text(GOOD, encoding="utf-8")
    bad = tmp_path / "kapot.yaml"
    bad.write_text(BAD, encoding="utf-8")
    failed = subprocess.run(
        [sys.executable, "-m", "bot", "survey", "import", str(bad)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert failed.returncode == 1 and "line 9: question 1" in failed.stderr
    done = subprocess.run(
        [sys.executable, "-m", "bot", "survey", "import", str(good)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "1" in done.stdout and "Werk en zekerheid" in done.stdout
