"""The README's settings table, generated from :class:`config.settings.Settings`.

A test compares it with README.md, so the table cannot drift from the code:
``python -m config.docs`` prints it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic_core import PydanticUndefined

from config.settings import Settings


def _default(field_name: str) -> str:
    field = Settings.model_fields[field_name]
    if field.default_factory is not None:
        value = field.default_factory()  # type: ignore[call-arg]  # our factories take no data
    elif field.default is PydanticUndefined:
        return "(required)"
    else:
        value = field.default
    if value in (None, [], ""):
        return "(unset)"
    return f"`{value}`"


def settings_table() -> str:
    lines = ["| setting | default | what it does |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        description = (field.description or "").replace("|", "\\|")
        lines.append(f"| `{name.upper()}` | {_default(name)} | {description} |")
    return "\n".join(lines)


START = "<!-- settings:start -->"
END = "<!-- settings:end -->"


def update_readme(path: Path) -> bool:
    """Rewrite the table between the markers in README.md; True when it changed."""
    text = path.read_text(encoding="utf-8")
    head, _start, rest = text.partition(START)
    _old, _end, tail = rest.partition(END)
    new = f"{head}{START}\n{settings_table()}\n{END}{tail}"
    if new != text:
        path.write_text(new, encoding="utf-8")
        return True
    return False


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--write":
        print("updated" if update_readme(Path(sys.argv[2])) else "up to date")
    else:
        print(settings_table())
