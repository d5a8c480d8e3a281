"""Events mirrored on a platform (a Discord scheduled event), kept in step by the events module.

The bot's own list stays the truth: a mirror is a copy for members who look in the
platform's own calendar. An adapter that can mirror attaches itself to :class:`Mirrors`
(the composition root does that when the setting is on); the events module only knows
this protocol. A mirror that fails is logged and retried on the next change; it never
stops the change itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MirroredEvent:
    event_id: int
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    location: str
    """The venue and address, or the online link (what the platform shows as "where")."""
    cancelled: bool = False


class EventMirror(Protocol):
    platform: str

    async def mirror_event(self, event: MirroredEvent, mirror_id: str | None) -> str | None:
        """Create (``mirror_id`` None) or update the copy; its id on the platform."""
        ...

    async def cancel_mirrored_event(self, mirror_id: str) -> None:
        """Mark the copy cancelled (or remove it where the platform cannot cancel)."""
        ...


class Mirrors:
    """The mirrors attached now (none, or the Discord adapter)."""

    def __init__(self) -> None:
        self._mirrors: dict[str, EventMirror] = {}

    def attach(self, mirror: EventMirror) -> None:
        self._mirrors[mirror.platform] = mirror

    def detach(self, platform: str) -> None:
        self._mirrors.pop(platform, None)

    def get(self, platform: str) -> EventMirror | None:
        return self._mirrors.get(platform)

    @property
    def platforms(self) -> list[str]:
        return list(self._mirrors)
