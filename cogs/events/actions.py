"""The events buttons: ``ev:<verb>:<number>[:<number>]``."""

from __future__ import annotations

from enum import StrEnum

from bot.core import actions
from bot.core.actions import Pressed

PREFIX = "ev"


class Verb(StrEnum):
    SHOW = "show"
    """An event's page (event)."""
    GO = "go"
    """Ik kom (event)."""
    GO_GUEST = "g2"
    """Ik kom met een gast (event)."""
    NOT_GOING = "no"
    """Ik kom niet (event)."""
    CLAIM = "claim"
    """Ik kom, on an offered place (sign-up)."""
    PASS = "pass"
    """Laat maar, on an offered place (sign-up)."""
    CALENDAR = "ics"
    """The calendar file again (event)."""
    PROGRAMME = "prog"
    """Choose sessions (event)."""
    SESSION = "ses"
    """Choose or drop a session (event, session)."""
    REMINDERS_OFF = "roff"
    """No more reminders (event): the same button in every reminder."""
    REMINDERS_ON = "ron"
    """Reminders on again (event)."""
    CODE = "code"
    """My check-in code and QR again (event)."""
    CANCEL = "cancel"
    """Organizers: yes, cancel this event (event)."""


ARITY = {
    Verb.SHOW: 1,
    Verb.GO: 1,
    Verb.GO_GUEST: 1,
    Verb.NOT_GOING: 1,
    Verb.CLAIM: 1,
    Verb.PASS: 1,
    Verb.CALENDAR: 1,
    Verb.PROGRAMME: 1,
    Verb.SESSION: 2,
    Verb.REMINDERS_OFF: 1,
    Verb.REMINDERS_ON: 1,
    Verb.CODE: 1,
    Verb.CANCEL: 1,
}


def encode(verb: Verb, *ids: int) -> str:
    return actions.encode(PREFIX, verb, *ids)


def decode(parts: list[str]) -> Pressed[Verb]:
    return actions.decode(Verb, ARITY, parts)
