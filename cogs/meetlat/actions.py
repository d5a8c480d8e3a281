"""The Meetlat's buttons: ``ml:<verb>:<number>`` for members, ``mlo:<verb>:<number>`` for
organizers (the router refuses the second prefix to anyone below organizer)."""

from __future__ import annotations

from enum import StrEnum

from bot.core import actions
from bot.core.actions import Pressed

PREFIX = "ml"
ORGANIZER_PREFIX = "mlo"


class Verb(StrEnum):
    RATE = "rate"
    """Rate this item (item)."""
    SCORE = "score"
    """Show its scores and scorecard (item)."""


class OrganizerVerb(StrEnum):
    APPROVE = "ok"
    REJECT = "no"
    """A member's proposal (item)."""
    HOLD = "hold"
    COUNT = "count"
    """Hold a flag's ratings out of the score, or count them (flag)."""
    EVIDENCE_OK = "evok"
    EVIDENCE_UNDO = "evno"
    """The evidence for Plus is checked, or no longer (item)."""
    ITEM = "item"
    """The organizers' card of an item (item)."""


ARITY = {verb: 1 for verb in Verb}
ORGANIZER_ARITY = {verb: 1 for verb in OrganizerVerb}


def encode(verb: Verb, *ids: int) -> str:
    return actions.encode(PREFIX, verb, *ids)


def decode(parts: list[str]) -> Pressed[Verb]:
    return actions.decode(Verb, ARITY, parts)


def encode_organizer(verb: OrganizerVerb, *ids: int) -> str:
    return actions.encode(ORGANIZER_PREFIX, verb, *ids)


def decode_organizer(parts: list[str]) -> Pressed[OrganizerVerb]:
    return actions.decode(OrganizerVerb, ORGANIZER_ARITY, parts)
