"""Discord through discord.py 2.x: slash commands, persistent buttons, direct messages."""

from __future__ import annotations

from bot.adapters.discord.adapter import DiscordAdapter, DiscordOptions

__all__ = ["DiscordAdapter", "DiscordOptions"]
