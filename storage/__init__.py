"""Werkbot's storage: SQLModel models, repositories that own sessions and queries, migrations.

Nothing here knows about chat platforms, cogs or the bot core.
"""

from storage.db import Database

__all__ = ["Database"]
