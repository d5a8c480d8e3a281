"""The magazine's daily housekeeping: files of conversations that were abandoned.

A cover, PDF or contribution file is stored the moment it arrives; when its conversation
is stopped or expires, nothing refers to it. ``magazine.loose_files`` removes such files
a week after they came (cancelling a conversation removes them at once).
"""

from __future__ import annotations

from bot.core.commands import Registry
from cogs.magazine.service import MagazineService

LOOSE_FILES = "magazine.loose_files"


def register_jobs(registry: Registry, service: MagazineService) -> None:
    registry.housekeeping(LOOSE_FILES, service.purge_loose_files)
