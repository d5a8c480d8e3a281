"""Helpers for the events tests: members, an event file, the module, the chat in English."""

from __future__ import annotations

import pytest

from bot.app import Werkbot
from cogs.events import EventsModule
from tests.support.chat import RecordingChat
from tests.surveys.conftest import make_member

__all__ = ["event_file", "events_of", "make_member"]


def event_file(
    *,
    title: str = "Festival voor Modern Werkenden",
    starts: str = "2027-05-11 10:00",
    ends: str = "2027-05-11 17:00",
    capacity: int | None = 10,
    guest: bool = False,
    sessions: str = "",
    extra: str = "",
) -> bytes:
    """An event file as organizers write it."""
    lines = [
        f"title: {title}",
        "kind: festival",
        "description: De Dag van de Modern Werkenden.",
        f"starts: {starts}",
        f"ends: {ends}",
        "venue:",
        "  name: Seats2meet Utrecht CS",
        "  address: Moreelsepark 65, 3511 EP Utrecht",
        f"guest: {'true' if guest else 'false'}",
    ]
    if capacity is not None:
        lines.append(f"capacity: {capacity}")
    text = "\n".join(lines) + "\n" + extra + sessions
    return text.encode("utf-8")


def events_of(app: Werkbot) -> EventsModule:
    found = next(module for module in app.modules if module.name == "events")
    assert isinstance(found, EventsModule)
    return found


@pytest.fixture
def chat(english_chat: RecordingChat) -> RecordingChat:
    """The shared recording chat, in English, so texts do not depend on the Dutch catalog."""
    return english_chat
