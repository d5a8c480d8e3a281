"""Turning typed text (``/taal en``) or typed options (Discord) into checked arguments."""

from __future__ import annotations

import re
from typing import Any

from bot.core.bounds import INT64_MAX, INT64_MIN
from bot.core.commands import Arg, ArgKind, Command
from bot.core.errors import UserError
from bot.core.i18n import _

WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


def usage(command: Command) -> str:
    """``/taal <nl|en>``: how to call a command, for error messages and help."""
    parts = [f"/{command.name}"]
    for arg in command.args:
        if arg.hidden:
            continue
        label = "|".join(arg.choices) if arg.kind is ArgKind.CHOICE else arg.name
        parts.append(f"<{label}>" if arg.required else f"[{label}]")
    return " ".join(parts)


def _bad(command: Command, problem: str) -> UserError:
    return UserError(_("{problem}\nUse: {usage}").format(problem=problem, usage=usage(command)))


def _convert(command: Command, arg: Arg, value: Any) -> Any:
    if arg.kind is ArgKind.INTEGER:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise _bad(command, _("'{name}' must be a whole number.").format(name=arg.name))
        text = str(value).strip()
        if not WHOLE_NUMBER.fullmatch(text):
            raise _bad(command, _("'{value}' is not a whole number.").format(value=text[:40]))
        low = INT64_MIN if arg.min_value is None else max(arg.min_value, INT64_MIN)
        high = INT64_MAX if arg.max_value is None else min(arg.max_value, INT64_MAX)
        negative = text.startswith("-")
        if len(text.lstrip("+-").lstrip("0")) > 20:
            # Far beyond 64 bits: no need to convert a 10,000-digit "number".
            number = low - 1 if negative else high + 1
        else:
            number = int(text)
        if number < low:
            raise _bad(command, _("'{name}' is too small.").format(name=arg.name))
        if number > high:
            raise _bad(command, _("'{name}' is too large.").format(name=arg.name))
        return number
    text = str(value).strip()
    if arg.kind is ArgKind.CHOICE:
        choice = text.lower()
        if choice not in arg.choices:
            raise _bad(
                command,
                _("'{value}' is not one of: {choices}.").format(
                    value=text[:40], choices=", ".join(arg.choices)
                ),
            )
        return choice
    if len(text) > arg.max_length:
        raise _bad(
            command,
            _("'{name}' may be at most {count} characters.").format(
                name=arg.name, count=arg.max_length
            ),
        )
    return text


def parse_text(command: Command, raw: str | None) -> dict[str, Any]:
    """Split the text after the command name over the declared arguments."""
    rest = (raw or "").strip()
    values: dict[str, Any] = {}
    for arg in command.args:
        if not rest:
            if arg.required:
                raise _bad(command, _("Missing: {name}.").format(name=arg.name))
            continue
        if arg.rest:
            token, rest = rest, ""
        else:
            token, _sep, rest = rest.partition(" ")
            rest = rest.strip()
        values[arg.name] = _convert(command, arg, token)
    if rest:
        raise _bad(command, _("Too many arguments."))
    return values


def check_typed(command: Command, given: dict[str, Any]) -> dict[str, Any]:
    """Check arguments a platform already typed (Discord options) against the declaration."""
    values: dict[str, Any] = {}
    known = {arg.name for arg in command.args}
    unknown = set(given) - known
    if unknown:
        raise _bad(command, _("Too many arguments."))
    for arg in command.args:
        value = given.get(arg.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if arg.required:
                raise _bad(command, _("Missing: {name}.").format(name=arg.name))
            continue
        values[arg.name] = _convert(command, arg, value)
    return values
