"""The magazine's buttons: ``mg:<verb>:<number>``."""

from __future__ import annotations

from enum import StrEnum

from bot.core import actions
from bot.core.actions import Pressed

PREFIX = "mg"


class Verb(StrEnum):
    EDITION = "ed"
    """Open an edition (its stored id)."""
    ACCEPT = "ok"
    """Accept a contribution (organizers)."""
    DECLINE = "no"
    """Decline a contribution (organizers)."""


ARITY = {Verb.EDITION: 1, Verb.ACCEPT: 1, Verb.DECLINE: 1}


def encode(verb: Verb, *ids: int) -> str:
    return actions.encode(PREFIX, verb, *ids)


def decode(parts: list[str]) -> Pressed[Verb]:
    return actions.decode(Verb, ARITY, parts)
