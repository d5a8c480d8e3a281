"""The members module's buttons: ``mb:<verb>[:<member id>]``."""

from __future__ import annotations

from enum import StrEnum

from bot.core import actions
from bot.core.actions import Pressed

PREFIX = "mb"


class Verb(StrEnum):
    REGISTER = "register"
    HELP = "help"
    KEEP = "keep"
    """Keep my data (the "no" of the erasure question)."""
    FORGET = "forget"
    """Erase my data; carries the member id, so a forwarded button erases nobody else."""


ARITY = {Verb.FORGET: 1}


def encode(verb: Verb, *ids: int) -> str:
    return actions.encode(PREFIX, verb, *ids)


def decode(parts: list[str]) -> Pressed[Verb]:
    return actions.decode(Verb, ARITY, parts)
