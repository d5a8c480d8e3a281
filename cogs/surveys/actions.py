"""The Jouw Stem buttons: ``sv:<verb>:<survey>[:<question>[:<choice>]]``."""

from __future__ import annotations

from enum import StrEnum

from bot.core import actions
from bot.core.actions import Pressed

PREFIX = "sv"


class Verb(StrEnum):
    GO = "go"
    """Start or resume answering a survey."""
    ANSWER = "a"
    """Choose an option (single choice, scale; also a quick poll in a group)."""
    TOGGLE = "t"
    """Tick or untick an option of a multiple-choice question."""
    DONE = "d"
    """Done with a multiple-choice question."""
    SKIP = "s"
    BACK = "b"
    NEXT = "n"
    """No "toelichting" after all: on to the next question."""
    RESULTS = "r"


ARITY = {
    Verb.GO: 1,
    Verb.RESULTS: 1,
    Verb.ANSWER: 3,
    Verb.TOGGLE: 3,
    Verb.DONE: 2,
    Verb.SKIP: 2,
    Verb.BACK: 2,
    Verb.NEXT: 2,
}


def encode(verb: Verb, *ids: int) -> str:
    return actions.encode(PREFIX, verb, *ids)


def decode(parts: list[str]) -> Pressed[Verb]:
    return actions.decode(Verb, ARITY, parts)
