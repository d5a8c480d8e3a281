"""The fake Telegram and Discord servers of the adapter tests, for broadcasts through them."""

from tests.discord.conftest import fake, werkbot_on_discord
from tests.telegram.conftest import api, start_bot

__all__ = ["api", "fake", "start_bot", "werkbot_on_discord"]
