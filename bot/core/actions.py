"""Button action strings: ``<prefix>:<verb>:<id>…``, made and read in one place.

Telegram's ``callback_data`` holds at most 64 bytes, and anyone with a modified client
can send any 64 bytes back. So a module's ``actions.py`` declares its prefix, its verbs
(a ``StrEnum``) and how many ids each verb carries, and uses :func:`encode` and
:func:`decode` here: the length is checked when a button is made, and a press is refused
(one short message) unless its verb is known and every id is a stored row's id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from bot.core.bounds import parse_id
from bot.core.errors import UserError
from bot.core.i18n import _

MAX_BYTES = 64
V = TypeVar("V", bound=StrEnum)


def encode(prefix: str, verb: StrEnum, *ids: int) -> str:
    """The action string of a button; raises ValueError beyond 64 bytes (a bug, not input)."""
    action = ":".join([prefix, verb.value, *(str(number) for number in ids)])
    if len(action.encode()) > MAX_BYTES:
        raise ValueError(f"button action longer than {MAX_BYTES} bytes: {action!r}")
    return action


@dataclass(frozen=True)
class Pressed(Generic[V]):
    verb: V
    ids: tuple[int, ...]


def stale() -> UserError:
    return UserError(_("This button no longer works."))


def decode(verbs: type[V], arity: Mapping[V, int], parts: list[str]) -> Pressed[V]:
    """Read the parts after the prefix; raise the "no longer works" refusal for anything
    that is not a known verb with its number of valid ids."""
    if not parts:
        raise stale()
    try:
        verb = verbs(parts[0])
    except ValueError:
        raise stale() from None
    ids = tuple(parse_id(part) for part in parts[1:])
    if len(ids) != arity.get(verb, 0) or any(number is None for number in ids):
        raise stale()
    return Pressed(verb, tuple(number for number in ids if number is not None))
