"""The campaign buttons: ``cp:<verb>:<campaign>``."""

from __future__ import annotations

from enum import StrEnum

from bot.core import actions
from bot.core.actions import Pressed

PREFIX = "cp"


class Verb(StrEnum):
    SHOW = "show"
    """A campaign's card."""
    JOIN = "join"
    """Doe mee."""
    LATER = "later"
    """Later: one nudge after a few days."""
    NO = "no"
    """Niet voor mij."""
    DONE = "done"
    """Gedaan / Verstuurd."""
    NOT_YET = "notyet"
    """Nog niet."""
    LAUNCH = "launch"
    """Opjutter or organizer: launch a draft."""
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"
    STATUS = "status"


ARITY = {verb: 1 for verb in Verb}


def encode(verb: Verb, *ids: int) -> str:
    return actions.encode(PREFIX, verb, *ids)


def decode(parts: list[str]) -> Pressed[Verb]:
    return actions.decode(Verb, ARITY, parts)
