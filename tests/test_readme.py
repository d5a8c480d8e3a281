"""README.md stays true: the two commands come first and the settings table matches the code."""

from __future__ import annotations

from pathlib import Path

from config.docs import END, START, settings_table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_settings_table_matches_the_settings() -> None:
    text = README.read_text(encoding="utf-8")
    table = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert table == settings_table(), "run: python -m config.docs --write README.md"


def test_the_two_commands_come_first() -> None:
    text = README.read_text(encoding="utf-8")
    first_code_block = text.split("```sh", 1)[1].split("```", 1)[0]
    assert "make run" in first_code_block and "make test" in first_code_block
