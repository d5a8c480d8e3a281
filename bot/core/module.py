"""A module: one feature (members, surveys, events, …) with one face.

Each ``cogs/<name>/__init__.py`` offers one ``build(...)`` that returns its module; the
composition root (``bot/app.py``) builds the list, lets each register what it declares,
and starts and stops them in a loop. Nothing else of a module is public, except the
service another module may be handed (through a ``Protocol`` of that module's own).
"""

from __future__ import annotations

from typing import Protocol

from bot.core.commands import Registry


class Module(Protocol):
    name: str
    """Lower case, also the prefix of its job kinds (``surveys.open``)."""

    def register(self, registry: Registry) -> None:
        """Declare commands, button actions, flows, upload handlers, job kinds,
        housekeeping, the personal-data hook and demo content."""
        ...

    async def start(self) -> None:
        """Start what the module runs itself (a writer task, say); after migrations."""
        ...

    async def stop(self) -> None:
        """Stop it again; safe to call when start() was never called."""
        ...
