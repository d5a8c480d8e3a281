"""The platform's buttons: ``pl:<verb>:<number>``."""

from __future__ import annotations

from enum import StrEnum

from bot.core import actions
from bot.core.actions import Pressed

PREFIX = "pl"


class Verb(StrEnum):
    EDIT = "edit"
    """Change a profile (profile)."""
    PAUSE = "pause"
    RESUME = "resume"
    DELETE = "del"
    """Ask to delete a profile (profile); DELETE_YES does it."""
    DELETE_YES = "delyes"
    NEW_ORG = "org"
    """Make an organization profile (no number)."""
    NEW_OWN = "own"
    """Make one's personal profile, when one speaks only for organizations (no number)."""
    JOIN = "join"
    """Doe mee (round)."""
    SKIP = "skip"
    """Deze keer niet (round)."""
    WANT = "want"
    """Ik wil kennismaken (group)."""
    MET_YES = "mety"
    MET_PLANNED = "metp"
    MET_NO = "metn"
    REQUEST = "req"
    """A contact request to a profile found with /zoek (profile)."""
    ACCEPT = "acc"
    DECLINE = "dec"
    """Answer a contact request (request)."""
    REJOIN = "rejoin"
    """A paused profile takes part again (profile)."""
    NEVER = "never"
    """Never pair me with this profile (profile)."""


ARITY = {verb: 0 if verb in (Verb.NEW_ORG, Verb.NEW_OWN) else 1 for verb in Verb}


def encode(verb: Verb, *ids: int) -> str:
    return actions.encode(PREFIX, verb, *ids)


def decode(parts: list[str]) -> Pressed[Verb]:
    return actions.decode(Verb, ARITY, parts)
