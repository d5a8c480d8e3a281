"""The broadcasts buttons: ``bc:<verb>[:<number>]``."""

from __future__ import annotations

from enum import StrEnum

from bot.core import actions
from bot.core.actions import Pressed
from storage.vocabulary import Channel, Topic

PREFIX = "bc"
TOPICS = list(Topic)
"""Topics by number (1-based) in buttons: ``bc:on:2`` turns the second topic on."""
CHANNELS = list(Channel)


class Verb(StrEnum):
    ON = "on"
    OFF = "off"
    CHANNEL = "ch"
    DONE = "done"
    """Done choosing topics (after registration)."""
    STOP = "stop"
    CANCEL = "cancel"
    STATUS = "status"


ARITY = {
    Verb.ON: 1,
    Verb.OFF: 1,
    Verb.CHANNEL: 1,
    Verb.STOP: 1,
    Verb.CANCEL: 1,
    Verb.STATUS: 1,
}


def encode(verb: Verb, *ids: int) -> str:
    return actions.encode(PREFIX, verb, *ids)


def decode(parts: list[str]) -> Pressed[Verb]:
    pressed = actions.decode(Verb, ARITY, parts)
    if pressed.verb in (Verb.ON, Verb.OFF) and pressed.ids[0] > len(TOPICS):
        raise actions.stale()
    if pressed.verb is Verb.CHANNEL and pressed.ids[0] > len(CHANNELS):
        raise actions.stale()
    return pressed


def topic_number(topic: Topic) -> int:
    return TOPICS.index(topic) + 1
