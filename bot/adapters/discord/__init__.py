"""Discord through discord.py 2.x: slash commands, persistent buttons, direct messages,
and events mirrored as scheduled events."""

from __future__ import annotations

from bot.adapters.discord._events import MirrorUnavailable
from bot.adapters.discord.adapter import DiscordAdapter, DiscordOptions

__all__ = ["DiscordAdapter", "DiscordOptions", "MirrorUnavailable"]
